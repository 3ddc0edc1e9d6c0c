// Django prefix discovery (docs/routing.md §1, source "discovery"; issue "Supervisor" §8): the project's
// own interpreter sets Django up and lists the first segment of each top-level URL pattern, plus
// STATIC_URL and (with DEBUG) MEDIA_URL. The fixture's prefixes are not the defaults, so routing to
// /api or /accounts proves discovery ran; what it cannot see is warned about, and a settings module
// that does not import falls back to the defaults with the Python error.
import { join } from 'node:path';
import t, { type Test } from 'tap';
import {
  createTestProject,
  fixturesDir,
  freePort,
  request,
  runCli,
  startProxy,
  testVirtualEnv,
  type CliRun,
} from './helpers/index.js';

const site = join(fixturesDir, 'discovery-site');
const env = { VIRTUAL_ENV: testVirtualEnv(), DJANGO_SETTINGS_MODULE: undefined, DISCOVERY_SITE_BROKEN: undefined, PYTHONDONTWRITEBYTECODE: '1' };

const DISCOVERED = [
  { prefix: '/api', source: 'discovery' },
  { prefix: '/accounts', source: 'discovery' },
  { prefix: '/assets', source: 'discovery' },
  { prefix: '/media', source: 'discovery' },
];
const EMPTY_ROUTE_WARNING = "include('') has an empty route: the paths it includes cannot be discovered";
const CONVERTER_WARNING = "path('<slug:x>/') starts with a converter: no fixed prefix";

interface PathAnswer {
  path: string;
  target: string;
  rule: number | null;
  prefix: string | null;
}

function routes(t: Test, args: string[], extraEnv: Record<string, string | undefined> = {}): Promise<CliRun> {
  return runCli(t, ['routes', ...args], { env: { ...env, ...extraEnv }, timeoutMs: 30_000 });
}

t.test('routes --json reports the discovered prefixes with source "discovery"', async (t) => {
  const run = await routes(t, ['--json', '--project', site]);
  t.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { djangoPrefixes: Array<{ prefix: string; source: string }> };
  t.same(report.djangoPrefixes, DISCOVERED, '/api, /accounts, STATIC_URL "assets/", MEDIA_URL "/media/" — not /admin, /static');
  t.match(run.stderr, `reflex-django-proxy: ${EMPTY_ROUTE_WARNING}; add --django-prefix for it`, "path('', include()) is warned about");
  t.match(run.stderr, `reflex-django-proxy: ${CONVERTER_WARNING}; add --django-prefix for it`, 'a leading converter is warned about');
  t.notMatch(run.stderr, 'discovery failed');

  const text = await routes(t, ['--project', site]);
  t.match(text.stdout, /\/api\s+discovery/, 'the table names the source too');
});

t.test('routes PATH: discovered prefixes go to Django, the rest to the frontend', async (t) => {
  const run = await routes(t, ['--json', '--project', site, '/api/x', '/accounts/login/', '/assets/app.css', '/media/a.png', '/about/', '/admin/']);
  t.equal(run.code, 0, run.stderr);
  const { paths } = JSON.parse(run.stdout) as { paths: PathAnswer[] };
  const where = Object.fromEntries(paths.map((answer) => [answer.path, `${answer.target} ${answer.prefix ?? ''}`.trim()]));
  t.same(where, {
    '/api/x': 'django /api',
    '/accounts/login/': 'django /accounts',
    '/assets/app.css': 'django /assets',
    '/media/a.png': 'django /media',
    '/about/': 'frontend',
    '/admin/': 'frontend',
  });
  t.equal(paths[0]!.rule, 3, 'rule 3: Django prefix');

  const text = await routes(t, ['--project', site, '/api/x']);
  t.match(text.stdout, 'GET /api/x → django  [rule 3: Django prefix → Django, prefix /api]');
});

t.test('--django-prefix overrides discovery (source flag)', async (t) => {
  const run = await routes(t, ['--json', '--project', site, '--django-prefix', '/backend']);
  t.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { djangoPrefixes: Array<{ prefix: string; source: string }> };
  t.same(report.djangoPrefixes, [{ prefix: '/backend', source: 'flag' }]);
  t.equal(run.stderr, '', 'discovery did not run: no warnings');
  const api = await routes(t, ['--json', '--project', site, '--django-prefix', '/backend', '/api/x']);
  t.match(JSON.parse(api.stdout), { paths: [{ path: '/api/x', target: 'frontend' }] }, '/api is no longer Django');
});

t.test('a settings module that does not import: defaults, and the Python error on stderr', async (t) => {
  const run = await routes(t, ['--json', '--project', site], { DISCOVERY_SITE_BROKEN: '1' });
  t.equal(run.code, 0, 'routes still answers');
  const report = JSON.parse(run.stdout) as { djangoPrefixes: Array<{ prefix: string; source: string }> };
  t.same(report.djangoPrefixes, [
    { prefix: '/admin', source: 'default' },
    { prefix: '/static', source: 'default' },
  ]);
  t.match(
    run.stderr,
    "reflex-django-proxy: django prefix discovery failed, using the defaults: ModuleNotFoundError: No module named 'discovery_site_missing_dependency'",
  );
});

t.test("a project's own urls.py is what discovery reads", async (t) => {
  const project = await createTestProject(t, {
    urlsPy: 'from django.contrib import admin\nfrom django.urls import path\n\nurlpatterns = [path("dashboard/", admin.site.urls)]\n',
  });
  const run = await runCli(t, ['routes', '--json', '--project', project.dir, '/dashboard/', '/admin/'], { env: project.env, timeoutMs: 30_000 });
  t.equal(run.code, 0, run.stderr);
  t.match(JSON.parse(run.stdout), {
    paths: [
      { path: '/dashboard/', target: 'django', prefix: '/dashboard' },
      { path: '/admin/', target: 'frontend' },
    ],
  });
});

t.test('supervised: the started proxy routes discovered prefixes to Django and logs the warnings', async (t) => {
  const project = await createTestProject(t, { djangoSite: site });
  const ports = [await freePort(), await freePort(), await freePort()];
  const proxy = await startProxy(
    t,
    ['--project', project.dir, '--django-port', String(ports[0]), '--reflex-backend-port', String(ports[1]), '--reflex-frontend-port', String(ports[2])],
    { env: project.env },
  );
  const listening = proxy.logs().find((record) => record.msg === 'proxy listening')!;
  t.same(listening.djangoPrefixes, ['/api', '/accounts', '/assets', '/media']);
  const warnings = proxy.logs().filter((record) => record.msg === 'django prefix discovery: add --django-prefix for what this hides');
  t.same(warnings.map((record) => record.warning).sort(), [EMPTY_ROUTE_WARNING, CONVERTER_WARNING].sort(), 'both warnings are logged');
  t.ok(warnings.every((record) => record.level === 40), 'as warnings');

  const ready = await proxy.waitForLog((record) => record.msg === 'ready', 30_000);
  t.same(ready.djangoPrefixes, DISCOVERED, 'the ready summary names the source');
  const api = await request(`${proxy.url}/api/hello`);
  t.equal(api.status, 200);
  t.same(api.json(), { servedBy: 'discovery-site', api: 'hello' }, '/api/... → the Django it started');
  t.same((await request(`${proxy.url}/accounts/login/`)).json(), { servedBy: 'discovery-site', view: 'login' });
  const about = await request(`${proxy.url}/about/`);
  t.match(about.text(), 'Reflex frontend (stand-in)', 'a path hidden by include("") goes to the frontend, as warned');
});
