// The package as users get it: `npm pack`, then npx of the tarball with nothing but its declared
// dependencies — including the Python probes that discovery and doctor run by path, which tsc does
// not copy into dist/ (the build does).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { fixturesDir, repoRoot } from './helpers/paths.js';
import { testVirtualEnv } from './helpers/project.js';

t.test('npm pack, then npx ./reflex-django-proxy-*.tgz', async (t) => {
  // Outside the repository: npx would otherwise resolve ./ against the enclosing package.
  const dir = mkdtempSync(join(tmpdir(), 'rdp-pack-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // The test command has just built dist/; scripts would rebuild it under the other tests' feet.
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: repoRoot, encoding: 'utf8' }),
  ) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const files = packed[0]!.files.map((file) => file.path);
  t.ok(files.includes('bin/reflex-django-proxy.js'));
  t.ok(files.includes('dist/cli/main.js'));
  for (const file of ['index.html', 'app.js', 'style.css']) t.ok(files.includes(`dist/status/dashboard/${file}`), `the dashboard's ${file} is packed, as it is served`);
  for (const probe of ['discover_django.py', 'read_rxconfig.py']) t.ok(files.includes(`dist/project/probes/${probe}`), `the ${probe} probe ships`);
  t.same(files.filter((file) => !/^(bin|dist)\/|^(package\.json|README\.md|LICENSE)$/.test(file)), [], 'only what runs is packed');
  const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'))!;

  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_yes: 'true', npm_config_cache: join(dir, '.npm-cache'), npm_config_prefer_offline: 'true' };
  for (const key of Object.keys(env)) if (key.startsWith('npm_package_') || key === 'npm_lifecycle_event') delete env[key];
  const help = spawnSync('npx', [`./${tarball}`, '--help'], { cwd: dir, encoding: 'utf8', env, timeout: 240_000 });
  t.equal(help.status, 0, help.stderr);
  t.match(help.stdout, /^Usage: reflex-django-proxy/);
  const routes = spawnSync('npx', [`./${tarball}`, 'routes', '--json', '--django-prefix', '/api'], { cwd: dir, encoding: 'utf8', env, timeout: 120_000 });
  t.equal(routes.status, 0, routes.stderr);
  t.same((JSON.parse(routes.stdout) as { djangoPrefixes: unknown }).djangoPrefixes, [{ prefix: '/api', source: 'flag' }]);

  // Discovery from the installed package: the probe runs with the project's interpreter.
  const projectEnv: NodeJS.ProcessEnv = { ...env, VIRTUAL_ENV: testVirtualEnv(), PYTHONDONTWRITEBYTECODE: '1' };
  delete projectEnv.DJANGO_SETTINGS_MODULE;
  const discovered = spawnSync('npx', [`./${tarball}`, 'routes', '--json', '--project', join(fixturesDir, 'discovery-site')], { cwd: dir, encoding: 'utf8', env: projectEnv, timeout: 120_000 });
  t.equal(discovered.status, 0, discovered.stderr);
  t.notMatch(discovered.stderr, 'discovery failed');
  t.same(
    (JSON.parse(discovered.stdout) as { djangoPrefixes: Array<{ prefix: string }> }).djangoPrefixes.map((entry) => entry.prefix),
    ['/api', '/accounts', '/assets', '/media'],
    "the discovery-site's own prefixes",
  );
  // And doctor, which runs both probes: the settings and rxconfig.py are read.
  const doctor = spawnSync('npx', [`./${tarball}`, 'doctor', '--json', '--project', join(fixturesDir, 'doctor', 'clean')], { cwd: dir, encoding: 'utf8', env: projectEnv, timeout: 120_000 });
  t.equal(doctor.status, 0, doctor.stderr);
  t.match(JSON.parse(doctor.stdout), { ok: true, django: { settingsModule: 'clean_site.settings' }, rxconfig: { notes: [], error: null } });
});
