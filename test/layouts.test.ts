// Every layout teams run, proxy-only, end to end with real Django and the python-socketio Reflex
// stand-in: a backend path (REFLEX_BACKEND_PATH), a single-port Reflex (`reflex run --env prod`),
// and reflex-django v3's split layout. Each: the session made through the proxy reaches the
// Reflex socket, and `verify` passes.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import {
  ADMIN_PASSWORD,
  ADMIN_USERNAME,
  CLI,
  djangoAdminLogin,
  reflexSocketWhoami,
  REFLEX_VERSION,
  request,
  startDjango,
  startProxy,
  startReflexStandin,
  startVite,
} from './helpers/index.js';

const run = promisify(execFile);

interface Health {
  status: string;
  upstreams: Array<{ name: string; url: string; state: string }>;
}

/** `verify --json` against the proxy: each check's id and status, and the exit code. */
async function verify(url: string, extra: string[] = [], env: Record<string, string> = {}): Promise<{ code: number; statuses: string; stdout: string }> {
  const args = [CLI, 'verify', '--url', url, '--json', '--timeout', '5000', '--username', ADMIN_USERNAME, '--password', ADMIN_PASSWORD, ...extra];
  const result = await run(process.execPath, args, { env: { PATH: process.env.PATH, ...env } }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
  );
  const checks = result.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id: number; status: string; name: string });
  return { ...result, statuses: checks.map((check) => `${check.id}:${check.status}`).join(' ') };
}

const django = await startDjango(t);

t.test('REFLEX_BACKEND_PATH=/x: /x/_event and /x/ping reach Reflex with the session, /_event does not', async (t) => {
  const [reflex, vite] = await Promise.all([startReflexStandin(t, { dbPath: django.dbPath, backendPath: '/x' }), startVite(t)]);
  const proxy = await startProxy(t, ['--django-url', django.url, '--reflex-backend-url', reflex.url, '--reflex-frontend-url', vite.url], {
    env: { REFLEX_BACKEND_PATH: '/x' },
  });
  const session = await djangoAdminLogin(proxy.url);
  const socket = await reflexSocketWhoami(proxy.url, { Cookie: session.cookie }, { eventPath: '/x/_event' });
  t.equal(socket.info.user, ADMIN_USERNAME, 'the session user on /x/_event');
  t.equal(socket.protocol, REFLEX_VERSION, 'subprotocol echoed');
  const ping = await request(`${proxy.url}/x/ping`);
  t.equal(ping.text(), '"pong"', '/x/ping is Reflex');
  const redirect = await request(`${proxy.url}/x/_event`);
  t.equal(redirect.status, 307, '/x/_event without the slash: Reflex redirects');
  t.equal(redirect.headers.location, `http://127.0.0.1:${proxy.port}/x/_event/`);

  const bare = await request(`${proxy.url}/_event/?EIO=4&transport=polling`);
  t.notMatch(bare.text(), 'Invalid transport', '/_event is not the Reflex backend');
  // Vite, which gets /_event's upgrade, never answers it: the client gives up after its timeout.
  await t.rejects(reflexSocketWhoami(proxy.url, { Cookie: session.cookie }, { eventPath: '/_event' }), 'no Reflex socket at /_event');
  const routes = (await request(`${proxy.url}/__rdp/routes`)).json<{ reflexPrefixes: Array<{ prefix: string; source: string }> }>();
  t.same(routes.reflexPrefixes[0], { prefix: '/x/_event', source: 'environment' });

  const checked = await verify(proxy.url, [], { REFLEX_BACKEND_PATH: '/x' });
  t.equal(checked.statuses, '1:pass 2:pass 3:pass 4:pass 5:pass 6:pass 7:pass 8:pass 9:pass', 'verify: every check passes');
});

t.test('single-port Reflex: pages and socket on one port, no frontend upstream', async (t) => {
  const reflex = await startReflexStandin(t, { dbPath: django.dbPath, singlePort: true });
  // Equal frontend and backend URLs are what a sidecar configuration of `reflex run --env prod` says.
  const proxy = await startProxy(t, ['--django-url', django.url, '--reflex-backend-url', reflex.url, '--reflex-frontend-url', reflex.url]);
  const health = (await request(`${proxy.url}/__rdp/health`)).json<Health>();
  t.same(health.upstreams.map((upstream) => upstream.name), ['django', 'reflex'], 'no frontend probed');
  t.equal(health.status, 'up');
  const page = await request(`${proxy.url}/`, { headers: { Accept: 'text/html' } });
  t.equal(page.status, 200);
  t.match(page.text(), 'Reflex app (stand-in, single port)', '/ is the Reflex backend');
  t.match((await request(`${proxy.url}/some/page`)).text(), 'single port');
  t.equal((await request(`${proxy.url}/some/page`, { method: 'POST', body: 'x' })).status, 405, 'rule 5 still answers other methods');

  const session = await djangoAdminLogin(proxy.url);
  const socket = await reflexSocketWhoami(proxy.url, { Cookie: session.cookie });
  t.equal(socket.info.user, ADMIN_USERNAME, 'login, then the session user on the socket');

  const checked = await verify(proxy.url, ['--reflex-single-port']);
  t.equal(checked.statuses, '1:pass 2:pass 3:pass 4:pass 5:pass 6:pass 7:pass 8:pass 9:pass', 'verify: every check passes');
});

t.test('--layout split: reserved paths to Reflex, everything else to Django', async (t) => {
  const split = await startDjango(t, { settings: { ROOT_URLCONF: 'site_project.split_urls' } });
  const reflex = await startReflexStandin(t, { dbPath: split.dbPath });
  const proxy = await startProxy(t, ['--layout', 'split', '--django-url', split.url, '--reflex-backend-url', reflex.url]);
  const rows: Array<[method: string, path: string, status: number, body: string | RegExp, why: string]> = [
    ['GET', '/', 200, 'data-served-by="django-spa-view"', "rule 2: Django's catch-all serves the SPA shell at /"],
    ['GET', '/some/page', 200, 'data-served-by="django-spa-view"', 'rule 2: and on a client-side route'],
    ['POST', '/some/page', 403, /CSRF verification failed/, "rule 2: any method goes to Django (its CSRF check answers), no 405 from the proxy"],
    ['GET', '/admin/', 302, '', "rule 2: the admin is Django's"],
    ['GET', '/ping', 200, '"pong"', 'rule 1: reserved prefix → Reflex'],
    ['POST', '/_upload', 400, 'Missing reflex-client-token', 'rule 1: /_upload → Reflex'],
    ['GET', '/_event/?EIO=4&transport=polling', 400, 'Invalid transport', 'rule 1: /_event → Reflex'],
    ['GET', '/__rdp/routes', 200, '"layout":"split"', 'rule 0: the proxy itself'],
  ];
  for (const [method, path, status, body, why] of rows) {
    const answer = await request(`${proxy.url}${path}`, { method, headers: { Accept: 'text/html' }, ...(method === 'POST' ? { body: 'a=1' } : {}) });
    t.equal(answer.status, status, `${method} ${path}: ${why}`);
    t.match(answer.text(), body, `${method} ${path}: answered by the right upstream`);
  }
  const health = (await request(`${proxy.url}/__rdp/health`)).json<Health>();
  t.same(health.upstreams.map((upstream) => upstream.name), ['django', 'reflex'], 'no frontend upstream');
  const session = await djangoAdminLogin(proxy.url);
  t.equal((await reflexSocketWhoami(proxy.url, { Cookie: session.cookie })).info.user, ADMIN_USERNAME, 'the session user on /_event');

  const checked = await verify(proxy.url, ['--layout', 'split']);
  t.equal(checked.statuses, '1:pass 2:pass 3:pass 4:pass 5:pass 6:pass 7:pass 8:pass 9:pass', 'verify: every check passes');
  t.match(checked.stdout, /"name":"\/ is Django's SPA view","status":"pass"/);
  t.match(checked.stdout, /"name":"a POST to a page path reaches Django","status":"pass","reason":"Django answered 403 text\/html \(its CSRF check\)"/);

  const mismatched = await verify(proxy.url);
  t.equal(mismatched.code, 1, 'verify without --layout split expects django_outer');
  t.match(mismatched.statuses, /9:fail/);
});

t.test('verify --layout split against a django_outer proxy: the POST check fails, naming the layout', async (t) => {
  const reflex = await startReflexStandin(t, { dbPath: django.dbPath });
  const vite = await startVite(t);
  const proxy = await startProxy(t, ['--django-url', django.url, '--reflex-backend-url', reflex.url, '--reflex-frontend-url', vite.url]);
  const checked = await verify(proxy.url, ['--layout', 'split']);
  t.equal(checked.code, 1);
  t.match(checked.statuses, /2:pass .*9:fail/);
  t.match(checked.stdout, /django_outer's refusal, not Django.*run the proxy with --layout split/);
});
