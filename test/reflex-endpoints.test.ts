// The Reflex app's .web/env.json, as pure logic: which prefixes it names, where the page's requests
// really go (Reflex's getBackendURL), the live rebuild of the table, and the Vite host variables the
// supervisor hands a started Reflex.
import t from 'tap';
import {
  ENV_JSON_ENDPOINTS,
  type EnvJson,
  endpointsElsewhere,
  parseEnvJson,
  reachedOrigin,
  reservedPrefixes,
} from '../src/config/reflex-endpoints.js';
import { resolveConfig, withEnvJson } from '../src/config/resolve.js';
import { DEFAULT_RESERVED_PREFIXES } from '../src/router.js';
import { viteHostEnv } from '../src/supervisor/vite-hosts.js';

const FILE = '/app/.web/env.json';

function envJson(endpoints: Record<string, string>): EnvJson {
  const read = parseEnvJson(FILE, JSON.stringify(endpoints));
  if (read.kind !== 'ok') throw new Error(`not ok: ${JSON.stringify(read)}`);
  return read.envJson;
}

t.test('env.json keys name the same routes as the built-in reserved prefixes, in order', async (t) => {
  t.same(Object.values(ENV_JSON_ENDPOINTS), DEFAULT_RESERVED_PREFIXES);
});

t.test('parsing: the endpoints it names; what is not an env.json, said why', async (t) => {
  const real = parseEnvJson(FILE, JSON.stringify({ PING: 'http://localhost:8000/ping', EVENT: 'ws://localhost:8000/_event', TRANSPORT: 'websocket', TEST_MODE: false, HEALTH: 42 }));
  t.match(real, { kind: 'ok', file: FILE, envJson: { endpoints: { PING: 'http://localhost:8000/ping', EVENT: 'ws://localhost:8000/_event' } } });
  t.notOk(real.kind === 'ok' && 'HEALTH' in real.envJson.endpoints, 'a value that is not a URL is left out');
  t.match(parseEnvJson(FILE, '{"EVENT": '), { kind: 'invalid', reason: /^not JSON/ });
  t.match(parseEnvJson(FILE, '[]'), { kind: 'invalid', reason: 'not a JSON object' });
  t.match(parseEnvJson(FILE, '{"PING": "http://localhost:8000/ping"}'), { kind: 'invalid', reason: /names no EVENT endpoint/ });
});

t.test('reserved prefixes: env.json first, then the backend path, then the defaults', async (t) => {
  const underX = envJson({ EVENT: 'ws://localhost:8000/x/_event', UPLOAD: 'http://localhost:8000/x/_upload/' });
  t.same(reservedPrefixes({ envJson: underX, backendPath: { value: '/ignored', source: 'environment' }, extra: [{ prefix: '/hooks', source: 'config' }] }), [
    { prefix: '/x/_event', source: 'env.json' },
    { prefix: '/x/_upload', source: 'env.json' },
    { prefix: '/x/_health', source: 'default' },
    { prefix: '/x/_all_routes', source: 'default' },
    { prefix: '/x/ping', source: 'default' },
    { prefix: '/x/auth-codespace', source: 'default' },
    { prefix: '/x/hooks', source: 'config' },
  ]);
  const plain = reservedPrefixes({ envJson: undefined, backendPath: { value: '/rx', source: 'rxconfig' }, extra: [] });
  t.same(plain.map((entry) => entry.prefix), DEFAULT_RESERVED_PREFIXES.map((prefix) => `/rx${prefix}`));
  t.ok(plain.every((entry) => entry.source === 'rxconfig'), 'each says where its backend path came from');
  t.same(reservedPrefixes({ envJson: undefined, backendPath: undefined, extra: [{ prefix: '/_event', source: 'flag' }] }).length, 6, 'no prefix twice');
});

t.test("where the page's requests go: Reflex's getBackendURL", async (t) => {
  const cases: Array<[endpoint: string, page: string, reaches: string]> = [
    ['ws://localhost:8000/_event', 'http://localhost:8000', 'http://localhost:8000'],
    ['ws://localhost:8002/_event', 'http://localhost:8000', 'http://localhost:8002'],
    // localhost, 0.0.0.0 and :: become the page's host name, keeping the port over http
    ['ws://localhost:8000/_event', 'http://app.localhost:8000', 'http://app.localhost:8000'],
    ['ws://0.0.0.0:8000/_event', 'http://127.0.0.1:8000', 'http://127.0.0.1:8000'],
    // ... and dropping it over https ("assume websocket is on https port via load balancer")
    ['ws://localhost:8000/_event', 'https://app.example.test:8443', 'https://app.example.test'],
    ['wss://localhost:8443/_event', 'https://app.example.test', 'https://app.example.test'],
    // any other host is kept as it is: a cookie for localhost does not go to 127.0.0.1
    ['ws://127.0.0.1:8000/_event', 'http://localhost:8000', 'http://127.0.0.1:8000'],
    ['https://api.example.test/ping', 'https://app.example.test', 'https://api.example.test'],
  ];
  for (const [endpoint, page, reaches] of cases) t.equal(reachedOrigin(endpoint, page), reaches, `${endpoint} from ${page}`);

  const elsewhere = envJson({ EVENT: 'ws://localhost:8002/_event', PING: 'http://localhost:8002/ping', UPLOAD: 'http://localhost:8002/_upload', HEALTH: 'http://other:1/_health' });
  t.same(endpointsElsewhere(elsewhere, 'http://localhost:8000'), [
    { key: 'EVENT', value: 'ws://localhost:8002/_event', reaches: 'http://localhost:8002' },
    { key: 'PING', value: 'http://localhost:8002/ping', reaches: 'http://localhost:8002' },
    { key: 'UPLOAD', value: 'http://localhost:8002/_upload', reaches: 'http://localhost:8002' },
  ], 'EVENT, PING and UPLOAD are what the page uses');
  t.same(endpointsElsewhere(envJson({ EVENT: 'ws://localhost:8000/_event' }), 'http://localhost:8000/'), []);
});

t.test('a changed env.json rebuilds the reserved prefixes and the table', async (t) => {
  const config = await resolveConfig({ flags: { 'reserved-prefix': ['/hooks'] }, env: {}, cwd: process.cwd(), stdoutIsTTY: false });
  t.equal(config.envJson, undefined, 'no project known: nothing read');
  const moved = withEnvJson(config, { kind: 'ok', file: FILE, envJson: envJson({ EVENT: 'ws://localhost:8000/y/_event' }) });
  t.same(moved.routeTable.reflexPrefixes, ['/y/_event', '/y/_upload', '/y/_health', '/y/_all_routes', '/y/ping', '/y/auth-codespace', '/y/hooks']);
  t.equal(moved.reservedPrefixes[0]?.source, 'env.json');
  const gone = withEnvJson(moved, { kind: 'missing', file: FILE });
  t.same(gone.routeTable.reflexPrefixes, config.routeTable.reflexPrefixes, 'without it, the defaults again');
  t.same(moved.routeTable.djangoPrefixes, config.routeTable.djangoPrefixes, 'nothing else changes');
});

t.test('the project is read when it is known: --project, or a Reflex to start', async (t) => {
  const asked: string[] = [];
  const readReflexProject = async (dir: string) => {
    asked.push(dir);
    return { envJson: { kind: 'ok' as const, file: FILE, envJson: envJson({ EVENT: 'ws://localhost:8000/z/_event' }) } };
  };
  const base = { env: {}, cwd: '/work', stdoutIsTTY: false, readReflexProject };
  const supervised = await resolveConfig({ ...base, flags: {} });
  t.equal(supervised.routeTable.reflexPrefixes[0], '/z/_event');
  await resolveConfig({ ...base, flags: { 'reflex-backend-url': 'http://127.0.0.1:8002', 'reflex-frontend-url': 'http://127.0.0.1:3000' } });
  t.same(asked, ['/work'], 'a Reflex given by URL, without --project: its project is not known');
  await resolveConfig({ ...base, flags: { 'reflex-backend-url': 'http://127.0.0.1:8002', 'reflex-frontend-url': 'http://127.0.0.1:3000', project: 'app' } });
  t.same(asked, ['/work', '/work/app'], 'proxy-only with --project');
});

t.test('Vite host variables for a started Reflex: only for a name other than localhost or an IP', async (t) => {
  t.same(viteHostEnv('http://localhost:8000', {}), {});
  t.same(viteHostEnv('http://127.0.0.1:8000', {}), {});
  t.same(viteHostEnv('http://[::1]:8000', {}), {});
  t.same(viteHostEnv('http://rdp.localhost:8000', {}), { REFLEX_VITE_ALLOWED_HOSTS: 'rdp.localhost', __VITE_ADDITIONAL_SERVER_ALLOWED_HOSTS: 'rdp.localhost' });
  t.same(viteHostEnv('https://App.Example.test', { REFLEX_VITE_ALLOWED_HOSTS: 'a.test', __VITE_ADDITIONAL_SERVER_ALLOWED_HOSTS: 'b.test' }), {
    REFLEX_VITE_ALLOWED_HOSTS: 'a.test:app.example.test',
    __VITE_ADDITIONAL_SERVER_ALLOWED_HOSTS: 'b.test,app.example.test',
  }, "the team's own values kept, each in its program's list syntax");
  t.same(viteHostEnv('http://app.example.test', { REFLEX_VITE_ALLOWED_HOSTS: 'true' }).REFLEX_VITE_ALLOWED_HOSTS, 'true', 'all hosts allowed already');
});
