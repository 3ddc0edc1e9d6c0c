// The routing contract, row by row and rule by rule (docs/routing.md §1–2), as one table of cases.
import t from 'tap';
import { statusFor } from '../src/errors.js';
import {
  DEFAULT_DJANGO_PREFIXES,
  DEFAULT_RESERVED_PREFIXES,
  decodePath,
  matches,
  normalizePrefix,
  originForm,
  route,
  type RouteTable,
  underBackendPath,
} from '../src/router.js';

const DEV: RouteTable = {
  reflexPrefixes: DEFAULT_RESERVED_PREFIXES,
  djangoPrefixes: DEFAULT_DJANGO_PREFIXES,
  djangoWsPrefix: undefined,
  frontendIsDirectory: false,
};
const WITH_WS_PREFIX: RouteTable = { ...DEV, djangoWsPrefix: '/ws' };
const BUILD_DIR: RouteTable = { ...DEV, frontendIsDirectory: true };
const BACKEND_PATH: RouteTable = { ...DEV, reflexPrefixes: underBackendPath(DEFAULT_RESERVED_PREFIXES, '/rx') };
const SINGLE_PORT: RouteTable = { ...DEV, reflexSinglePort: true };
const SINGLE_PORT_WS: RouteTable = { ...SINGLE_PORT, djangoWsPrefix: '/ws' };
const SPLIT: RouteTable = { ...DEV, layout: 'split', djangoWsPrefix: '/ws' };

type Expected = string; // 'django' | 'reflex' | 'frontend' | 'proxy' | '405' | '404' | '400'

const CASES: ReadonlyArray<[method: string, target: string, upgrade: boolean, expected: Expected, table?: RouteTable]> = [
  // row 0: the proxy's namespace, before everything else
  ['GET', '/__rdp/health', false, 'proxy'],
  ['GET', '/__rdp', false, 'proxy'],
  ['POST', '/__rdp/health', false, 'proxy'],
  ['GET', '/__rdpx', false, 'frontend'],
  ['GET', '/%5F_rdp/health', false, 'proxy'],
  // row 1: reserved Reflex prefixes, HTTP and WebSocket, any method
  ['GET', '/_event', true, 'reflex'],
  ['GET', '/_event/?EIO=4&transport=websocket', true, 'reflex'],
  ['GET', '/_event/?EIO=4&transport=polling', false, 'reflex'],
  ['POST', '/_upload', false, 'reflex'],
  ['GET', '/_upload/some/file.png', false, 'reflex'],
  ['GET', '/_health', false, 'reflex'],
  ['GET', '/_all_routes', false, 'reflex'],
  ['GET', '/ping', false, 'reflex'],
  ['GET', '/auth-codespace', false, 'reflex'],
  ['DELETE', '/ping', false, 'reflex'],
  ['GET', '/_eventx', false, 'frontend'],
  ['GET', '/_eventx', true, 'frontend'],
  ['GET', '/pingpong', false, 'frontend'],
  ['GET', '/_Event', true, 'frontend'],
  ['GET', '/%5Fevent/', true, 'reflex'],
  // row 2: other upgrades go to the frontend dev server (Vite HMR), even under Django prefixes
  ['GET', '/?token=abc', true, 'frontend'],
  ['GET', '/admin/ws', true, 'frontend'],
  ['GET', '/ws/chat', true, 'frontend'],
  ['GET', '/ws/chat', true, 'django', WITH_WS_PREFIX],
  ['GET', '/ws', true, 'django', WITH_WS_PREFIX],
  ['GET', '/wsx', true, 'frontend', WITH_WS_PREFIX],
  ['GET', '/ws/chat', false, 'frontend', WITH_WS_PREFIX],
  ['GET', '/?token=abc', true, '404', BUILD_DIR],
  ['GET', '/_event/', true, 'reflex', BUILD_DIR],
  // row 3: Django prefixes, segment-bounded, case-sensitive, on the decoded path, any method
  ['GET', '/admin', false, 'django'],
  ['GET', '/admin/', false, 'django'],
  ['POST', '/admin/login/?next=/admin/', false, 'django'],
  ['GET', '/static/admin/css/base.css', false, 'django'],
  ['PUT', '/static/x', false, 'django'],
  ['GET', '/administrator', false, 'frontend'],
  ['GET', '/Admin/', false, 'frontend'],
  ['GET', '/%61dmin/', false, 'django'],
  ['GET', '/%41dmin/', false, 'frontend'],
  ['GET', '/admin%2Fx', false, 'django'],
  ['GET', '/admin%2fx', false, 'django'],
  ['GET', '//admin/', false, 'frontend'],
  ['GET', '/./admin/', false, 'frontend'],
  ['GET', '/x/../admin/', false, 'frontend'],
  ['GET', '/static?x=/admin', false, 'django'],
  ['GET', '/?next=/admin/', false, 'frontend'],
  // row 4: the rest, GET / HEAD / OPTIONS, to the frontend
  ['GET', '/', false, 'frontend'],
  ['HEAD', '/dashboard', false, 'frontend'],
  ['OPTIONS', '/dashboard', false, 'frontend'],
  ['GET', '/%zz', false, 'frontend'],
  ['GET', '/%', false, 'frontend'],
  ['GET', '/caf%C3%A9', false, 'frontend'],
  // row 5: other methods on a frontend path: 405
  ['POST', '/', false, '405'],
  ['PUT', '/dashboard', false, '405'],
  ['DELETE', '/administrator', false, '405'],
  ['PATCH', '/Admin/', false, '405'],
  ['POST', '/%zz', false, '405'],
  // the backend path moves the reserved prefixes under it
  ['GET', '/rx/_event/', true, 'reflex', BACKEND_PATH],
  ['GET', '/_event/', true, 'frontend', BACKEND_PATH],
  ['GET', '/ping', false, 'frontend', BACKEND_PATH],
  // single-port Reflex: its backend serves the pages, HMR-less upgrades included; the rest is unchanged
  ['GET', '/', false, 'reflex', SINGLE_PORT],
  ['HEAD', '/dashboard', false, 'reflex', SINGLE_PORT],
  ['GET', '/?token=abc', true, 'reflex', SINGLE_PORT],
  ['GET', '/ws/chat', true, 'django', SINGLE_PORT_WS],
  ['GET', '/admin/', false, 'django', SINGLE_PORT],
  ['POST', '/dashboard', false, '405', SINGLE_PORT],
  ['GET', '/_event/', true, 'reflex', SINGLE_PORT],
  // split (reflex-django v3): reserved prefixes to Reflex, everything else — any method, upgrades — to Django
  ['GET', '/_event/?EIO=4&transport=websocket', true, 'reflex', SPLIT],
  ['POST', '/_upload', false, 'reflex', SPLIT],
  ['GET', '/', false, 'django', SPLIT],
  ['GET', '/some/page', false, 'django', SPLIT],
  ['POST', '/some/page', false, 'django', SPLIT],
  ['DELETE', '/dashboard', false, 'django', SPLIT],
  ['GET', '/?token=abc', true, 'django', SPLIT],
  ['GET', '/ws/chat', true, 'django', SPLIT],
  ['GET', '/__rdp/health', false, 'proxy', SPLIT],
  ['GET', '/_eventx', false, 'django', SPLIT],
  // absolute-form targets route on their path
  ['GET', 'http://other.host/admin/', false, 'django'],
  ['GET', 'http://other.host', false, 'frontend'],
  ['POST', 'http://other.host/_upload?x=1', false, 'reflex'],
  // unusable targets
  ['OPTIONS', '*', false, '400'],
  ['GET', 'other.host:443', false, '400'],
];

function outcome(decision: ReturnType<typeof route>): Expected {
  if (decision.kind === 'forward') return decision.upstream;
  if (decision.kind === 'proxy') return 'proxy';
  return String(statusFor(decision.code));
}

t.test('every row of the decision table', async (t) => {
  for (const [method, target, upgrade, expected, table] of CASES) {
    t.equal(outcome(route(method, target, upgrade, table ?? DEV)), expected, `${upgrade ? 'upgrade ' : ''}${method} ${target}`);
  }
});

t.test('the rule that decided is reported', async (t) => {
  const rules: Array<[string, string, boolean, number | undefined]> = [
    ['GET', '/__rdp/health', false, 0],
    ['GET', '/_event/', true, 1],
    ['GET', '/?token=x', true, 2],
    ['GET', '/admin/', false, 3],
    ['GET', '/x', false, 4],
    ['POST', '/x', false, 5],
    ['GET', '*', false, undefined],
  ];
  for (const [method, target, upgrade, rule] of rules) t.equal(route(method, target, upgrade, DEV).rule, rule, `${method} ${target}`);
  t.equal(route('POST', '/some/page', false, SPLIT).rule, 2, 'split: everything else is its row 2');
  t.equal(route('GET', '/some/page', true, SPLIT).rule, 2);
  const reflex = route('GET', '/_upload/a', false, DEV);
  t.match(reflex, { kind: 'forward', prefix: '/_upload' });
});

t.test('405 carries Allow and a reason', async (t) => {
  const decision = route('POST', '/dashboard', false, DEV);
  t.match(decision, { kind: 'reject', code: 'RDP_ERR_METHOD_NOT_ALLOWED', allow: 'GET, HEAD, OPTIONS', reason: /POST is not allowed/ });
  t.equal(decision.kind === 'reject' ? statusFor(decision.code) : undefined, 405, 'status 405, from the one code-to-status map');
});

t.test('the target is forwarded byte for byte; absolute-form becomes origin-form', async (t) => {
  const cases: Array<[string, string]> = [
    ['/admin/login/?next=%2Fadmin%2F&a=b', '/admin/login/?next=%2Fadmin%2F&a=b'],
    ['/%61dmin//x/../y?q', '/%61dmin//x/../y?q'],
    ['/%zz', '/%zz'],
    ['http://other.host/x?y=1', '/x?y=1'],
    ['http://other.host:8080', '/'],
    ['http://other.host?y', '/?y'],
    ['https://user@other.host/a#frag', '/a'],
  ];
  for (const [raw, forwarded] of cases) {
    const decision = route('GET', raw, false, DEV);
    t.equal(decision.target, forwarded, raw);
  }
  t.equal(originForm('*'), undefined);
  t.equal(originForm('host:443'), undefined);
});

t.test('decoding is lenient and happens once', async (t) => {
  const cases: Array<[string, string]> = [
    ['/plain', '/plain'],
    ['/%61dmin', '/admin'],
    ['/a%2Fb', '/a/b'],
    ['/%zz', '/%zz'],
    ['/%', '/%'],
    ['/%4', '/%4'],
    ['/%2561', '/%61'],
    ['/caf%C3%A9', '/café'],
    ['/bad%C3', '/bad\uFFFD'],
    ['/%41%zz%42', '/A%zzB'],
  ];
  for (const [raw, decoded] of cases) t.equal(decodePath(raw), decoded, raw);
});

t.test('matching is segment-bounded and exact', async (t) => {
  t.ok(matches('/admin', '/admin'));
  t.ok(matches('/admin/', '/admin'));
  t.ok(matches('/admin/x/y', '/admin'));
  t.notOk(matches('/administrator', '/admin'));
  t.notOk(matches('/Admin', '/admin'));
  t.notOk(matches('/adm', '/admin'));
  t.notOk(matches('/', '/admin'));
});

t.test('prefixes are normalised to one leading slash and no trailing slash', async (t) => {
  t.equal(normalizePrefix('/admin/'), '/admin');
  t.equal(normalizePrefix('//admin//'), '/admin');
  t.equal(normalizePrefix('/api/v1/'), '/api/v1');
  t.equal(normalizePrefix('admin'), undefined);
  t.equal(normalizePrefix('/'), undefined);
  t.equal(normalizePrefix('///'), undefined);
  t.same(underBackendPath(['/_event', '/ping'], '/rx'), ['/rx/_event', '/rx/ping']);
  t.same(underBackendPath(['/_event'], undefined), ['/_event']);
});
