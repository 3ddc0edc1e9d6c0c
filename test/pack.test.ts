// The package as users get it: `npm pack`, then npx of the tarball with nothing but its declared
// dependencies.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { repoRoot } from './helpers/paths.js';

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
});
