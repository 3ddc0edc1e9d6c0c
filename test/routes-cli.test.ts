// `routes`: the table in force with where each prefix came from, and where given paths go.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import t from 'tap';
import { python } from './helpers/paths.js';
import { CLI } from './helpers/proxy.js';

function routes(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [CLI, 'routes', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env }, timeout: 10_000 });
  t.equal(result.status, 0, `routes ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

t.test('--json: the table, its upstreams and every prefix with its source', async (t) => {
  const dir = t.testdir({ 'rdp.json': JSON.stringify({ djangoPrefix: ['/from-file'], reservedPrefix: ['/hooks'] }) });
  const fromFile = JSON.parse(routes(['--json', '--config', join(dir, 'rdp.json'), '--django-url', 'http://127.0.0.1:8001'])) as Record<string, unknown>;
  t.same(fromFile, {
    layout: 'django-outer',
    reflexPrefixes: [
      { prefix: '/_event', source: 'default' },
      { prefix: '/_upload', source: 'default' },
      { prefix: '/_health', source: 'default' },
      { prefix: '/_all_routes', source: 'default' },
      { prefix: '/ping', source: 'default' },
      { prefix: '/auth-codespace', source: 'default' },
      { prefix: '/hooks', source: 'config' },
    ],
    djangoPrefixes: [{ prefix: '/from-file', source: 'config' }],
    djangoWsPrefix: null,
    upstreams: { django: 'http://127.0.0.1:8001', reflex: null, frontend: null },
    frontendKind: 'dev-server',
  });
  const fromEnv = JSON.parse(routes(['--json'], { REFLEX_DJANGO_DJANGO_PREFIX: '/api,/accounts' })) as { djangoPrefixes: unknown };
  t.same(fromEnv.djangoPrefixes, [
    { prefix: '/api', source: 'environment' },
    { prefix: '/accounts', source: 'environment' },
  ]);
  const fromFlag = JSON.parse(routes(['--json', '--django-prefix', '/api'], { RDP_DJANGO_PREFIX: '/other' })) as { djangoPrefixes: unknown };
  t.same(fromFlag.djangoPrefixes, [{ prefix: '/api', source: 'flag' }]);
});

t.test('text: the rows in order and the sources', async (t) => {
  const text = routes(['--django-prefix', '/api', '--django-ws-prefix', '/ws']);
  t.match(text, /0 {2}the proxy's own namespace \/__rdp\/[\s\S]*1 {2}reserved Reflex prefix[\s\S]*5 {2}anything else, other methods → 405/);
  t.match(text, /\/api +flag/);
  t.match(text, /\/_event +default/);
  t.match(text, /Django WebSockets under \/ws/);
});

t.test('paths: target and deciding rule, for a method and for upgrades', async (t) => {
  const paths = JSON.parse(routes(['--json', '/admin/', '/administrator', '/_event/', '/%61dmin/x'])) as { paths: Array<Record<string, unknown>> };
  t.match(paths.paths, [
    { method: 'GET', path: '/admin/', upgrade: false, rule: 3, target: 'django', prefix: '/admin', status: null },
    { path: '/administrator', rule: 4, target: 'frontend', prefix: null },
    { path: '/_event/', rule: 1, target: 'reflex', prefix: '/_event' },
    { path: '/%61dmin/x', rule: 3, target: 'django' },
  ]);
  const post = JSON.parse(routes(['--json', '--method', 'post', '/dashboard'])) as { paths: Array<Record<string, unknown>> };
  t.match(post.paths[0], { method: 'POST', rule: 5, target: 'reject', status: 405, reason: /POST is not allowed/ });
  const ws = JSON.parse(routes(['--json', '--ws', '/', '/admin/x', '/_event/'])) as { paths: Array<Record<string, unknown>> };
  t.match(ws.paths, [
    { upgrade: true, rule: 2, target: 'frontend' },
    { upgrade: true, rule: 2, target: 'frontend' },
    { upgrade: true, rule: 1, target: 'reflex' },
  ]);
  const text = routes(['--method', 'DELETE', '/admin/x', '/']);
  t.match(text, /DELETE \/admin\/x → django {2}\[rule 3: Django prefix → Django, prefix \/admin\]/);
  t.match(text, /DELETE \/ → 405 \(/);
});

t.test('the Reflex app\'s env.json: its endpoints are the reserved prefixes, each with its source', async (t) => {
  const project = t.testdir({
    frontend: {
      'rxconfig.py': 'import reflex as rx\n\nconfig = rx.Config(app_name="app")\n',
      '.web': { 'env.json': JSON.stringify({ EVENT: 'ws://localhost:8000/x/_event', PING: 'http://localhost:8000/x/ping', UPLOAD: 'http://localhost:8000/x/_upload', TRANSPORT: 'websocket' }) },
    },
  });
  const table = JSON.parse(routes(['--json', '--project', project, '--reserved-prefix', '/hooks'])) as { reflexPrefixes: unknown };
  t.same(table.reflexPrefixes, [
    { prefix: '/x/_event', source: 'env.json' },
    { prefix: '/x/_upload', source: 'env.json' },
    { prefix: '/x/_health', source: 'default' },
    { prefix: '/x/_all_routes', source: 'default' },
    { prefix: '/x/ping', source: 'env.json' },
    { prefix: '/x/auth-codespace', source: 'default' },
    { prefix: '/x/hooks', source: 'flag' },
  ], 'what env.json names; the other routes, and the extra ones, under the backend path it implies');
  const paths = JSON.parse(routes(['--json', '--ws', '--project', project, '/x/_event/', '/_event/'])) as { paths: Array<Record<string, unknown>> };
  t.match(paths.paths, [{ rule: 1, target: 'reflex', prefix: '/x/_event' }, { rule: 2, target: 'frontend' }]);

  const fromEnvironment = JSON.parse(routes(['--json'], { REFLEX_BACKEND_PATH: '/rx' })) as { reflexPrefixes: Array<{ prefix: string; source: string }> };
  t.same(fromEnvironment.reflexPrefixes[0], { prefix: '/rx/_event', source: 'environment' }, 'REFLEX_BACKEND_PATH without env.json');
  const rxconfigOnly = t.testdir({ 'rxconfig.py': 'import reflex as rx\n\nconfig = rx.Config(app_name="app", backend_path="/api/rx/")\n' });
  const fromRxconfig = JSON.parse(routes(['--json', '--project', rxconfigOnly], { VIRTUAL_ENV: '', PATH: `${dirname(python())}:${process.env.PATH}` })) as {
    reflexPrefixes: Array<{ prefix: string; source: string }>;
  };
  t.same(fromRxconfig.reflexPrefixes[0], { prefix: '/api/rx/_event', source: 'rxconfig' }, "rxconfig.py's backend_path before the first start");
});

t.test('the split layout and a single-port Reflex: the rows in force', async (t) => {
  const split = routes(['--layout', 'split', '--django-prefix', '/api']);
  t.match(split, /split layout/);
  t.match(split, /2 {2}anything else, any method, WebSocket upgrades too → Django/);
  t.notMatch(split, /5 {2}/, 'no 405 row');
  const splitPaths = JSON.parse(routes(['--json', '--layout', 'split', '--method', 'POST', '/some/page', '/_upload', '/admin/'])) as { paths: Array<Record<string, unknown>> };
  t.match(splitPaths.paths, [
    { rule: 2, target: 'django' },
    { rule: 1, target: 'reflex' },
    { rule: 2, target: 'django' },
  ]);
  const splitTable = JSON.parse(routes(['--json', '--layout', 'split'])) as Record<string, unknown>;
  t.match(splitTable, { layout: 'split', frontendKind: 'none' });

  const single = JSON.parse(routes(['--json', '--reflex-backend-url', 'http://127.0.0.1:8002', '--reflex-frontend-url', 'http://127.0.0.1:8002'])) as Record<string, unknown>;
  t.match(single, { frontendKind: 'reflex-backend', upstreams: { reflex: 'http://127.0.0.1:8002', frontend: null } }, 'equal URLs are one single-port Reflex');
  const singlePaths = JSON.parse(routes(['--json', '--reflex-single-port', '/', '/about'])) as { paths: Array<Record<string, unknown>> };
  t.match(singlePaths.paths, [{ rule: 4, target: 'reflex', ruleName: /single port/ }, { rule: 4, target: 'reflex' }]);
  const detected = JSON.parse(routes(['--json', '--reflex-cmd', 'reflex run --env prod --backend-port {backend_port}', '/'])) as { paths: Array<Record<string, unknown>> };
  t.match(detected.paths, [{ rule: 4, target: 'reflex' }], '`reflex run --env prod` in --reflex-cmd is single-port');
});

t.test('layouts and single port: bad combinations are one line naming the flag, exit 2', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['--layout', 'inner'], /--layout: "inner" is not valid; expected one of django-outer, split/],
    [['--layout', 'split', '--reflex-frontend-url', 'http://127.0.0.1:3000'], /--reflex-frontend-url is not used with --layout split/],
    [['--reflex-single-port', '--frontend-dir', '.'], /--frontend-dir and a single-port Reflex both given/],
    [['--reflex-single-port', '--reflex-backend-url', 'http://127.0.0.1:8002', '--reflex-frontend-url', 'http://127.0.0.1:3000'], /--reflex-frontend-url http:\/\/127\.0\.0\.1:3000 given with a single-port Reflex/],
  ];
  for (const [args, message] of cases) {
    const result = spawnSync(process.execPath, [CLI, 'routes', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH }, timeout: 10_000 });
    t.equal(result.status, 2, args.join(' '));
    t.match(result.stderr, message);
    t.equal(result.stderr.trim().split('\n').length, 1, 'one line');
  }
});
