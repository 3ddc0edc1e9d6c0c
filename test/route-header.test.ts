// X-RDP-Route: the deciding rule on every proxied response and every WebSocket 101, asserted on a
// table of requests that covers every rule of docs/routing.md §1, through the real CLI in front of
// recording upstreams; and --no-route-header leaves it off.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { RouteLabels } from '../src/proxy/route-label.js';
import { route, type RouteTable } from '../src/router.js';
import { freePort, startProxy } from './helpers/index.js';
import { send, startRecorder } from './helpers/recorder.js';

type Case = readonly [method: string, target: string, upgrade: boolean, status: number, upstream: string | undefined, route: string | undefined];

const CASES: readonly Case[] = [
  // rule 0: the proxy's own namespace is not a route to anywhere
  ['GET', '/__rdp/routes', false, 200, undefined, undefined],
  // rule 1: reserved Reflex prefixes, HTTP and WebSocket
  ['GET', '/ping', false, 200, 'reflex', 'reflex; rule=1; prefix=/ping'],
  ['POST', '/_upload', false, 200, 'reflex', 'reflex; rule=1; prefix=/_upload'],
  ['GET', '/_event/?EIO=4&transport=polling', false, 200, 'reflex', 'reflex; rule=1; prefix=/_event'],
  ['GET', '/_event/?EIO=4&transport=websocket', true, 101, 'reflex', 'reflex; rule=1; prefix=/_event'],
  // rule 2: other upgrades go to the frontend (HMR), or to Django under --django-ws-prefix
  ['GET', '/?token=abc', true, 101, 'frontend', 'frontend; rule=2'],
  ['GET', '/admin/ws', true, 101, 'frontend', 'frontend; rule=2'],
  ['GET', '/ws/chat/', true, 101, 'django', 'django; rule=2; prefix=/ws'],
  // rule 3: Django prefixes, a decoded non-ASCII one percent-encoded in the header
  ['GET', '/admin/', false, 200, 'django', 'django; rule=3; prefix=/admin'],
  ['POST', '/admin/login/', false, 200, 'django', 'django; rule=3; prefix=/admin'],
  ['GET', '/static/app.css', false, 200, 'django', 'django; rule=3; prefix=/static'],
  ['GET', '/%C3%BCber/x', false, 200, 'django', 'django; rule=3; prefix=/%C3%BCber'],
  // rule 4: everything else, GET/HEAD/OPTIONS
  ['GET', '/', false, 200, 'frontend', 'frontend; rule=4'],
  ['HEAD', '/about', false, 200, 'frontend', 'frontend; rule=4'],
  ['OPTIONS', '/administrator', false, 200, 'frontend', 'frontend; rule=4'],
  // rule 5: other methods on frontend paths, answered by the proxy
  ['POST', '/', false, 405, undefined, 'proxy; rule=5'],
  ['DELETE', '/about', false, 405, undefined, 'proxy; rule=5'],
];

t.test('X-RDP-Route on a table of requests covering every rule, HTTP and 101', async (t) => {
  const [django, reflex, frontend] = await Promise.all([startRecorder(t, 'django'), startRecorder(t, 'reflex'), startRecorder(t, 'frontend')]);
  const upstreams = ['--django-url', django.url, '--reflex-backend-url', reflex.url, '--reflex-frontend-url', frontend.url];
  const prefixes = ['--django-prefix', '/admin', '--django-prefix', '/static', '--django-prefix', '/über', '--django-ws-prefix', '/ws'];
  const proxy = await startProxy(t, [...upstreams, ...prefixes]);
  for (const [method, target, upgrade, status, upstream, route] of CASES) {
    const answer = await send(proxy.port, target, { method, upgrade });
    const name = `${upgrade ? 'WebSocket ' : ''}${method} ${target}`;
    t.equal(answer.status, status, `${name}: ${status}`);
    t.equal(answer.upstream, upstream, `${name}: answered by ${upstream ?? 'the proxy'}`);
    t.equal(answer.headers['x-rdp-route'], route, `${name}: X-RDP-Route ${route ?? 'absent'}`);
  }

  const off = await startProxy(t, [...upstreams, ...prefixes, '--no-route-header']);
  for (const [method, target, upgrade, status] of CASES) {
    const answer = await send(off.port, target, { method, upgrade });
    t.equal(answer.status, status);
    t.equal(answer.headers['x-rdp-route'], undefined, `--no-route-header: none on ${upgrade ? 'WebSocket ' : ''}${method} ${target}`);
  }
  const fromEnv = await startProxy(t, upstreams, { env: { RDP_NO_ROUTE_HEADER: '1' } });
  t.equal((await send(fromEnv.port, '/admin/')).headers['x-rdp-route'], undefined, 'RDP_NO_ROUTE_HEADER=1 too');
});

t.test("the proxy's own answers to a routed request name the route too", async (t) => {
  const reflex = await startRecorder(t, 'reflex');
  const down = `http://127.0.0.1:${await freePort()}`;
  const dir = await mkdtemp(join(tmpdir(), 'rdp-route-dir-'));
  t.teardown(async () => (await import('node:fs/promises')).rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'index.html'), '<!doctype html><p>built</p>');
  const proxy = await startProxy(t, ['--django-url', down, '--reflex-backend-url', reflex.url, '--frontend-dir', dir, '--hold-timeout', '100']);
  const unavailable = await send(proxy.port, '/admin/');
  t.equal(unavailable.status, 503, 'Django is down: the proxy answers');
  t.equal(unavailable.headers['x-rdp-route'], 'django; rule=3; prefix=/admin');
  const file = await send(proxy.port, '/some/page');
  t.equal(file.status, 200, 'served from the build directory');
  t.equal(file.headers['x-rdp-route'], 'frontend; rule=4');
  const noSocket = await send(proxy.port, '/some/page', { upgrade: true });
  t.equal(noSocket.status, 404, 'a build directory has no HMR socket');
  t.equal(noSocket.headers['x-rdp-route'], 'proxy; rule=2');
});

t.test('the labels follow the table in force: prefixes moved by env.json, a single-port Reflex, the split layout', async (t) => {
  const base: RouteTable = { reflexPrefixes: ['/_event'], djangoPrefixes: ['/admin'], frontendIsDirectory: false };
  let table = base;
  const labels = new RouteLabels(() => table);
  const label = (method: string, target: string, upgrade = false) => labels.of(route(method, target, upgrade, table));
  t.equal(label('GET', '/_event/'), 'reflex; rule=1; prefix=/_event');
  table = { ...base, reflexPrefixes: ['/x/_event'] };
  t.equal(label('GET', '/x/_event/'), 'reflex; rule=1; prefix=/x/_event', 'a new table, new labels');
  table = { ...base, reflexSinglePort: true };
  t.equal(label('GET', '/'), 'reflex; rule=4', 'single port: the pages come from the Reflex backend');
  t.equal(label('GET', '/hmr', true), 'reflex; rule=2');
  table = { ...base, layout: 'split' };
  t.equal(label('POST', '/some/page'), 'django; rule=2', 'split: everything else is Django');
  t.equal(label('GET', '/ws/chat', true), 'django; rule=2');
  t.equal(label('GET', '/admin/'), 'django; rule=2');
});
