// `routes`: the table in force with where each prefix came from, and where given paths go.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
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
