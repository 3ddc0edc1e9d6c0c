// An upstream that is restarting: the proxy holds a request until it is back (docs/routing.md §4);
// HAProxy with the exported file tries the connection again once a second for as long as
// --hold-timeout ("retry-hold"); nginx and Caddy answer 502 at once ("no-hold"). When it does not
// come back, the proxy and HAProxy answer 503 — only the proxy with its RDP_ERR_* code.
import t from 'tap';
import { DIFFERENCES } from '../src/export/differences.js';
import { type Front, startFronts } from './helpers/edge-servers.js';
import { freePort, sleep } from './helpers/index.js';
import { send, startRecorder } from './helpers/recorder.js';

const reflex = await startRecorder(t, 'reflex');
const frontend = await startRecorder(t, 'frontend');
const djangoPort = await freePort();
const fronts = await startFronts(t, ['--django-url', `http://127.0.0.1:${djangoPort}`, '--reflex-backend-url', reflex.url, '--reflex-frontend-url', frontend.url, '--hold-timeout', '2000']);

/** What each front does with a request while Django is down, and the difference that says so. */
const WHILE_DOWN: Readonly<Record<Front, { comesBack: string | number; staysDown: number; because?: string }>> = {
  proxy: { comesBack: 'django', staysDown: 503 },
  haproxy: { comesBack: 'django', staysDown: 503, because: 'retry-hold' },
  nginx: { comesBack: 502, staysDown: 502, because: 'no-hold' },
  caddy: { comesBack: 502, staysDown: 502, because: 'no-hold' },
};

for (const { name, port } of fronts) {
  const expected = WHILE_DOWN[name];
  t.test(`${name}: a request to a restarting Django${typeof expected.comesBack === 'string' ? ' waits for it' : ' gets 502 at once'}`, async (t) => {
    if (name !== 'proxy') t.ok(DIFFERENCES.find((difference) => difference.id === expected.because)?.servers.includes(name), `documented as ${expected.because}`);
    const pending = send(port, '/admin/');
    await sleep(500);
    const django = await startRecorder(t, 'django', { port: djangoPort });
    const answer = await pending;
    await django.close();
    t.equal(answer.upstream ?? answer.status, expected.comesBack);
  });

  t.test(`${name}: a Django that stays down gets ${expected.staysDown}`, async (t) => {
    const answer = await send(port, '/admin/', { headers: { accept: 'text/plain' } });
    t.equal(answer.status, expected.staysDown);
    t.equal(answer.body.includes('RDP_ERR_UPSTREAM_UNAVAILABLE'), name === 'proxy', 'the RDP_ERR_* code only from the proxy');
  });
}
