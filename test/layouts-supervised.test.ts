// The layouts when the proxy starts Reflex itself (the `reflex` stand-in from PATH, which writes
// .web/env.json as Reflex does): a backend path followed from env.json — also when env.json changes
// while the proxy runs —, a single-port Reflex started with one port, and the Vite host variables a
// Reflex gets for a public host that is not localhost or an IP.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import t, { type Test } from 'tap';
import {
  ADMIN_USERNAME,
  createTestProject,
  djangoAdminLogin,
  freePort,
  killGroupsOnTeardown,
  reflexSocketWhoami,
  request,
  sleep,
  startProxy,
  supervisedChildren,
  type RunningProxy,
  type TestProject,
} from './helpers/index.js';

const READY_TIMEOUT_MS = 30_000;

async function supervise(t: Test, project: TestProject, extra: string[], env: Record<string, string> = {}): Promise<RunningProxy> {
  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freePort());
  const [django, backend, frontend] = [...ports].map(String);
  const groups = new Set<number>();
  killGroupsOnTeardown(t, () => groups);
  const args = ['--project', project.dir, '--django-port', django!, '--reflex-backend-port', backend!, '--reflex-frontend-port', frontend!, ...extra];
  const proxy = await startProxy(t, args, { env: { ...project.env, ...env } });
  await proxy.waitForLog((record) => record.msg === 'ready', READY_TIMEOUT_MS);
  const children = supervisedChildren(proxy.pid);
  for (const child of [children.django, children.reflex]) if (child) groups.add(child.pgid);
  return proxy;
}

interface Routes {
  reflexPrefixes: Array<{ prefix: string; source: string }>;
}

/** /__rdp/routes once its first reserved prefix is `prefix` (the watcher polls env.json every second). */
/** /__rdp/routes once env.json's first prefix leads it: the environment gives the same one until the file is read. */
async function routesOnceFromEnvJson(proxy: RunningProxy, prefix: string): Promise<Routes> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const routes = (await request(`${proxy.url}/__rdp/routes`)).json<Routes>();
    const first = routes.reflexPrefixes[0];
    if ((first?.prefix === prefix && first.source === 'env.json') || Date.now() > deadline) return routes;
    await sleep(100);
  }
}

function environOf(pid: number): Record<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return Object.fromEntries(entries.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
}

t.test('REFLEX_BACKEND_PATH in the project: routed from the env.json Reflex writes, and followed when it changes', async (t) => {
  const project = await createTestProject(t);
  const proxy = await supervise(t, project, [], { REFLEX_BACKEND_PATH: '/x' });
  const routes = await routesOnceFromEnvJson(proxy, '/x/_event');
  t.same(routes.reflexPrefixes.slice(0, 2), [
    { prefix: '/x/_event', source: 'env.json' },
    { prefix: '/x/_upload', source: 'env.json' },
  ], 'the prefixes the started Reflex wrote into .web/env.json');
  const session = await djangoAdminLogin(proxy.url);
  t.equal((await reflexSocketWhoami(proxy.url, { Cookie: session.cookie }, { eventPath: '/x/_event' })).info.user, ADMIN_USERNAME, 'the session user on /x/_event');
  t.equal((await request(`${proxy.url}/x/ping`)).text(), '"pong"');
  t.match((await request(`${proxy.url}/_event/`)).text(), 'Reflex frontend (stand-in)', '/_event is a frontend path now');

  // Reflex restarted by hand with another backend path rewrites env.json: no proxy restart needed.
  const publicUrl = `http://localhost:${proxy.port}`;
  await writeFile(project.envJsonPath!, JSON.stringify({ EVENT: `ws://localhost:${proxy.port}/y/_event`, PING: `${publicUrl}/y/ping`, UPLOAD: `${publicUrl}/y/_upload` }));
  const moved = await routesOnceFromEnvJson(proxy, '/y/_event');
  t.same(moved.reflexPrefixes[0], { prefix: '/y/_event', source: 'env.json' }, '/__rdp/routes follows env.json');
  await proxy.waitForLog((record) => record.msg === 'reflex .web/env.json changed: routing follows it' && JSON.stringify(record.reflexPrefixes).includes('/y/ping'));
  t.equal((await request(`${proxy.url}/y/ping`)).text(), 'Not Found', '/y/ping is sent to the Reflex backend (which still serves /x)');
  t.match((await request(`${proxy.url}/x/ping`)).text(), 'Reflex frontend (stand-in)', '/x/ping is a frontend path now');
  const routedTo = (path: string, target: string) => proxy.waitForLog((record) => record.msg === 'request completed' && record.path === path && record.target === target);
  await t.resolves(routedTo('/y/ping', 'reflex'), 'the access log: /y/ping → reflex');
  await t.resolves(routedTo('/x/ping', 'frontend'), 'the access log: /x/ping → frontend');
});

t.test('--reflex-single-port: Reflex started with one port, pages from it, no frontend probed', async (t) => {
  const project = await createTestProject(t);
  const proxy = await supervise(t, project, ['--reflex-single-port']);
  const reflex = supervisedChildren(proxy.pid).reflex;
  t.match(reflex?.cmdline, /reflex\.js run --env prod --backend-port \d+ --backend-host 127\.0\.0\.1$/, '`reflex run --env prod` with the backend port only');
  const listening = proxy.logs().find((record) => record.msg === 'proxy listening')!;
  t.same(Object.keys(listening.upstreams as object), ['django', 'reflex'], 'no frontend upstream');
  const health = (await request(`${proxy.url}/__rdp/health`)).json<{ upstreams: Array<{ name: string }> }>();
  t.same(health.upstreams.map((upstream) => upstream.name), ['django', 'reflex'], 'no frontend probe in /__rdp/health');

  const page = await request(`${proxy.url}/`);
  t.match(page.text(), 'Reflex frontend (stand-in)');
  const served = await proxy.waitForLog((record) => record.msg === 'request completed' && record.path === '/');
  t.equal(served.target, 'reflex', 'the page came from the Reflex backend');
  const session = await djangoAdminLogin(proxy.url);
  t.equal((await reflexSocketWhoami(proxy.url, { Cookie: session.cookie })).info.user, ADMIN_USERNAME, 'login, then the session user on the socket');
});

t.test('a public host that is not localhost or an IP: the started Reflex may serve it through Vite', async (t) => {
  const project = await createTestProject(t);
  const proxy = await supervise(t, project, ['--public-url', 'http://rdp-layouts.localhost:8000']);
  const { reflex, django } = supervisedChildren(proxy.pid);
  const reflexEnv = environOf(reflex!.pid);
  t.equal(reflexEnv.REFLEX_VITE_ALLOWED_HOSTS, 'rdp-layouts.localhost', 'REFLEX_VITE_ALLOWED_HOSTS names the public host');
  t.equal(reflexEnv.__VITE_ADDITIONAL_SERVER_ALLOWED_HOSTS, 'rdp-layouts.localhost', "and Vite's own variable");
  t.equal(reflexEnv.REFLEX_API_URL, 'http://rdp-layouts.localhost:8000');
  t.equal(environOf(django!.pid).REFLEX_VITE_ALLOWED_HOSTS, undefined, 'Django is not told');

  const local = await supervise(t, await createTestProject(t), []);
  t.equal(environOf(supervisedChildren(local.pid).reflex!.pid).REFLEX_VITE_ALLOWED_HOSTS, undefined, 'localhost needs nothing');
});
