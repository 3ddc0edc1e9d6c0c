// A Reflex app whose .web/env.json was baked with another origin sends its socket around the proxy:
// every proxy check passes while the session never reaches Reflex. The running proxy notices a
// page served with no Reflex socket after it, and says so once, in the log and on /__rdp/reflex.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { request, sleep, startProxy } from './helpers/index.js';
import { send, startRecorder } from './helpers/recorder.js';
import { SOCKET_WAIT_MS } from '../src/proxy/socket-bypass.js';

const NOTICE = /^a page was served but no Reflex socket came through the proxy/;
const PAGE_LOAD = { Accept: 'text/html,application/xhtml+xml', 'Sec-Fetch-Dest': 'document' };

interface ReflexReport {
  envJson: { file: string; state: string; endpoints: Record<string, string> | null } | null;
  socketBypass: { message: string; fix: string; file: string; endpoints: Array<{ key: string; value: string }> } | null;
}

const project = t.testdir({ frontend: { 'rxconfig.py': 'import reflex as rx\n\nconfig = rx.Config(app_name="app")\n', '.web': {} } });
const envJsonFile = join(project, 'frontend', '.web', 'env.json');
const writeEnvJson = (origin: string) =>
  writeFile(envJsonFile, JSON.stringify({ PING: `http://${origin}/ping`, EVENT: `ws://${origin}/_event`, UPLOAD: `http://${origin}/_upload`, TRANSPORT: 'websocket' }));
await writeEnvJson('localhost:8002');

const [django, reflex, frontend] = [await startRecorder(t, 'django'), await startRecorder(t, 'reflex'), await startRecorder(t, 'frontend')];
const proxy = await startProxy(t, ['--project', project, '--django-url', django.url, '--reflex-backend-url', reflex.url, '--reflex-frontend-url', frontend.url]);
const notices = () => proxy.logs().filter((record) => NOTICE.test(String(record.msg)));
const status = async () => (await request(`${proxy.url}/__rdp/reflex`)).json<ReflexReport>();

t.test('a page followed by its socket: nothing to say', async (t) => {
  t.equal((await send(proxy.port, '/', { headers: PAGE_LOAD })).upstream, 'frontend');
  t.equal((await send(proxy.port, '/_event/?EIO=4&transport=websocket', { upgrade: true })).status, 101);
  await sleep(SOCKET_WAIT_MS + 1_000);
  t.same(notices(), []);
  t.match(await status(), { envJson: { file: envJsonFile, state: 'ok', endpoints: { EVENT: 'ws://localhost:8002/_event' } }, socketBypass: null });
});

t.test('a page without a socket while env.json points elsewhere: said once, in the log and on /__rdp/reflex', async (t) => {
  await send(proxy.port, '/about', { headers: PAGE_LOAD });
  const record = await proxy.waitForLog((entry) => NOTICE.test(String(entry.msg)), SOCKET_WAIT_MS + 10_000);
  t.match(record, { level: 40, component: 'reflex', file: envJsonFile, fix: /^restart `reflex run` with REFLEX_API_URL=http:\/\/localhost:\d+ .*baked into .*env\.json at start/ });
  t.match(String(record.msg), `${envJsonFile} sends EVENT, PING, UPLOAD to http://localhost:8002 (EVENT ws://localhost:8002/_event), not http://localhost:${proxy.port}`);
  const { socketBypass } = await status();
  t.match(socketBypass, { file: envJsonFile, endpoints: [{ key: 'EVENT', value: 'ws://localhost:8002/_event' }, { key: 'PING' }, { key: 'UPLOAD' }], message: NOTICE });

  await send(proxy.port, '/other', { headers: PAGE_LOAD });
  await sleep(SOCKET_WAIT_MS + 1_000);
  t.equal(notices().length, 1, 'once');
});

t.test('env.json rewritten with the public URL: the notice is gone, the routing unchanged', async (t) => {
  await writeEnvJson(`localhost:${proxy.port}`);
  const deadline = Date.now() + 10_000;
  let current = await status();
  while (current.socketBypass !== null && Date.now() < deadline) {
    await sleep(100);
    current = await status();
  }
  t.equal(current.socketBypass, null);
  t.equal(current.envJson?.endpoints?.EVENT, `ws://localhost:${proxy.port}/_event`);
  const routes = (await request(`${proxy.url}/__rdp/routes`)).json<{ reflexPrefixes: Array<{ prefix: string; source: string }> }>();
  t.same(routes.reflexPrefixes.slice(0, 2), [{ prefix: '/_event', source: 'env.json' }, { prefix: '/_upload', source: 'env.json' }]);
});
