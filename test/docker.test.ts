// The Docker sidecar, tested the way the image runs it — no Docker engine runs on these machines:
// `npm pack`, the tarball unpacked and `npm ci --omit=dev` run as the Dockerfile's stages do, then
// the image's exact ENTRYPOINT + CMD (tini, from the Debian package) as a non-root user with the
// image's ENV and the compose file's proxy environment. The compose services' host names cannot
// resolve here: the test runs recording upstreams on loopback and rewrites `django:8000`,
// `reflex:8000` and `reflex:3000` to them, and RDP_PORT to a free port (8000 may be taken). Then
// the Dockerfile and compose file are checked for what cannot be run.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { freePort, repoRoot, spawnManaged, stopOnTeardown, tempDir, waitForHttp } from './helpers/index.js';
import { envOf, execForm, instructionsOf, parseComposeYaml, parseDockerfile, type YamlValue } from './helpers/docker-files.js';
import { send, startRecorder } from './helpers/recorder.js';

// As root (CI), drop to nobody as the image's USER does; a non-root tester is already one.
const isRoot = process.getuid?.() === 0;
const DROP_PRIVILEGES = isRoot ? ['/usr/bin/setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--'] : [];
const EXPECTED_UID = isRoot ? '65534' : String(process.getuid?.());

const stages = parseDockerfile(readFileSync(join(repoRoot, 'docker', 'Dockerfile'), 'utf8'));
const runtime = stages.at(-1)!;
const compose = parseComposeYaml(readFileSync(join(repoRoot, 'docker', 'docker-compose.yml'), 'utf8')) as { services: Record<string, Record<string, YamlValue>> };
const proxyEnv = compose.services.proxy!.environment as Record<string, string>;
const entrypoint = execForm(instructionsOf(runtime, 'ENTRYPOINT')[0]!);
const cmd = execForm(instructionsOf(runtime, 'CMD')[0]!);
const healthcheck = execForm(instructionsOf(runtime, 'HEALTHCHECK')[0]!.replace(/^.*?\bCMD\s+/, ''));

t.test('Dockerfile: multi-stage, production dependencies only, non-root, tini, health check, proxy-only env', async (t) => {
  t.ok(stages.length >= 2, 'a build stage and a runtime stage');
  t.ok(stages.slice(0, -1).some((stage) => instructionsOf(stage, 'RUN').some((run) => run.includes('tsc -p tsconfig.build.json'))), 'compiled in a build stage');
  const copies = instructionsOf(runtime, 'COPY');
  t.ok(copies.length > 0 && copies.every((copy) => copy.startsWith('--from=')), 'the runtime stage copies only from the build stage');
  t.ok(instructionsOf(runtime, 'RUN').some((run) => /npm ci --omit=dev\b/.test(run)), 'npm ci --omit=dev');
  t.notOk(instructionsOf(runtime, 'RUN').some((run) => /npm (ci|install)(?![^&]*--omit=dev)/.test(run)), 'no install with dev dependencies');
  const user = instructionsOf(runtime, 'USER').at(-1);
  t.ok(user !== undefined && !['root', '0', '0:0'].includes(user), `runs as ${user}, not root`);
  t.equal(entrypoint[0], '/usr/bin/tini', 'tini is PID 1');
  t.ok(instructionsOf(runtime, 'RUN').some((run) => /apt-get install[^&]* tini\b/.test(run)), "tini from Debian's package");
  t.same(cmd, ['node', 'bin/reflex-django-proxy.js']);
  t.equal(healthcheck[0], 'node', 'the health check uses node (slim images have no curl)');
  t.match(healthcheck.join(' '), '/__rdp/health');
  t.match(envOf(runtime), { RDP_HOST: '0.0.0.0', RDP_PORT: '8000', RDP_NO_SUPERVISE: '1', RDP_EXPOSE_STATUS: '1' });
  t.same(instructionsOf(runtime, 'EXPOSE'), ['8000']);
});

t.test('.dockerignore: an allowlist holding every file the build copies', async (t) => {
  const patterns = readFileSync(join(repoRoot, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  t.equal(patterns[0], '*', 'everything is left out first');
  const allowed = new Set(patterns.filter((pattern) => pattern.startsWith('!')).map((pattern) => pattern.slice(1).replace(/\/$/, '')));
  for (const copy of stages.flatMap((stage) => instructionsOf(stage, 'COPY')).filter((copy) => !copy.startsWith('--from='))) {
    for (const source of copy.split(' ').slice(0, -1)) t.ok(allowed.has(source.replace(/\/$/, '')), `${source} reaches the builder`);
  }
  for (const kept of ['node_modules', 'dist', '.git', '.venv', 'test']) t.notOk(allowed.has(kept), `${kept} stays out`);
});

t.test('docker-compose.yml: django, reflex and proxy, wired to each other', async (t) => {
  t.same(Object.keys(compose.services).sort(), ['django', 'proxy', 'reflex']);
  t.match(proxyEnv, { RDP_DJANGO_URL: 'http://django:8000', RDP_REFLEX_BACKEND_URL: 'http://reflex:8000', RDP_REFLEX_FRONTEND_URL: 'http://reflex:3000' });
  t.same(compose.services.proxy!.ports, ['8000:8000'], 'the proxy publishes 8000');
  const publicUrl = proxyEnv.RDP_PUBLIC_URL!;
  const reflexEnv = compose.services.reflex!.environment as Record<string, string>;
  t.equal(reflexEnv.REFLEX_API_URL, publicUrl, "Reflex's REFLEX_API_URL is the proxy's public origin");
  t.equal(reflexEnv.API_URL, publicUrl, 'and API_URL for Reflex <= 0.7');
  const djangoEnv = compose.services.django!.environment as Record<string, string>;
  t.ok(djangoEnv.DJANGO_ALLOWED_HOSTS?.split(',').includes(new URL(publicUrl).hostname), "Django's ALLOWED_HOSTS has the public host");
  t.match(String(compose.services.django!.command), '0.0.0.0:8000');
  t.match(String(compose.services.reflex!.command), /--backend-host 0\.0\.0\.0 --backend-port 8000 --frontend-port 3000/);
});

t.test('the packed image contents run under tini, not as root, with the compose environment', async (t) => {
  const dir = await tempDir(t, 'rdp-docker-');
  // The build stage: npm pack, unpacked into /app with the lockfile beside it.
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: repoRoot, encoding: 'utf8' })) as Array<{ filename: string }>;
  const app = join(dir, 'app');
  await mkdir(app);
  execFileSync('tar', ['-xzf', join(dir, packed[0]!.filename), '-C', app, '--strip-components=1']);
  copyFileSync(join(repoRoot, 'package-lock.json'), join(app, 'package-lock.json'));
  // The runtime stage's own install line, as written in the Dockerfile.
  const install = instructionsOf(runtime, 'RUN').find((run) => run.includes('npm ci'))!;
  const installed = spawnSync('sh', ['-c', install], {
    cwd: app,
    encoding: 'utf8',
    timeout: 150_000,
    env: { PATH: process.env.PATH, HOME: dir, npm_config_cache: join(dir, '.npm-cache'), npm_config_prefer_offline: 'true' },
  });
  t.equal(installed.status, 0, installed.stderr);
  const modules = readdirSync(join(app, 'node_modules'));
  t.ok(modules.includes('fastify'), 'production dependencies are installed');
  for (const dev of ['typescript', 'tap', 'vite', 'socket.io']) t.notOk(modules.includes(dev), `no ${dev} (a dev dependency)`);
  t.notOk(existsSync(join(app, 'src')), 'no TypeScript sources');
  execFileSync('chmod', ['-R', 'a+rX', dir]);

  const upstreams = { RDP_DJANGO_URL: await startRecorder(t, 'django'), RDP_REFLEX_BACKEND_URL: await startRecorder(t, 'reflex'), RDP_REFLEX_FRONTEND_URL: await startRecorder(t, 'frontend') };
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...envOf(runtime), ...proxyEnv };
  for (const [name, recorder] of Object.entries(upstreams)) {
    const url = new URL(proxyEnv[name]!);
    t.ok(url.hostname in compose.services, `${name} names the compose service ${url.hostname}`);
    env[name] = recorder.url;
  }
  const port = await freePort();
  env.RDP_PORT = String(port);

  const [program, ...args] = [...DROP_PRIVILEGES, ...entrypoint, ...cmd];
  const proc = spawnManaged('tini', program!, args, { cwd: app, env });
  stopOnTeardown(t, proc);
  await waitForHttp(`http://127.0.0.1:${port}/__rdp/health`, 20_000, { process: proc, accept: (status) => status === 200 }).catch((error: Error) => {
    throw new Error(`${error.message}\n${proc.output()}`);
  });

  t.equal(readFileSync(`/proc/${proc.pid}/comm`, 'utf8').trim(), 'tini', 'PID of the container is tini');
  const [nodePid] = readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, 'utf8').trim().split(' ');
  for (const pid of [String(proc.pid), nodePid!]) {
    t.match(readFileSync(`/proc/${pid}/status`, 'utf8'), new RegExp(`^Uid:\\s+${EXPECTED_UID}\\s`, 'm'), `pid ${pid} runs as uid ${EXPECTED_UID}, not root`);
  }

  const where = async (target: string, options: { method?: string; upgrade?: boolean } = {}) => {
    const answer = await send(port, target, options);
    return answer.upstream ?? answer.status;
  };
  t.equal(await where('/admin/'), 'django');
  t.equal(await where('/static/app.css'), 'django');
  t.equal(await where('/_event/?EIO=4&transport=polling'), 'reflex');
  t.equal(await where('/_event/?EIO=4&transport=websocket', { upgrade: true }), 'reflex');
  t.equal(await where('/'), 'frontend');
  t.equal(await where('/?token=hmr', { upgrade: true }), 'frontend');
  t.equal(await where('/about', { method: 'POST' }), 405);
  const dashboard = await send(port, '/__rdp/');
  t.match(dashboard, { status: 200, headers: { 'content-type': /^text\/html/ }, body: /<title>reflex-django-proxy · dashboard<\/title>/ }, 'the dashboard is served from the packed files');

  const [checkProgram, ...checkArgs] = [...DROP_PRIVILEGES, ...healthcheck];
  const check = () => spawnSync(checkProgram!, checkArgs, { cwd: app, env, encoding: 'utf8', timeout: 15_000 });
  t.equal(check().status, 0, 'HEALTHCHECK passes while every upstream answers');
  await upstreams.RDP_REFLEX_FRONTEND_URL.close();
  t.equal(check().status, 1, 'HEALTHCHECK fails when an upstream is down');

  // `docker stop`: SIGTERM to PID 1, which tini forwards; the proxy stops cleanly and tini exits with it.
  process.kill(proc.pid, 'SIGTERM');
  const exit = await Promise.race([proc.exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000))]);
  t.same(exit, { code: 0, signal: null }, `stopped by SIGTERM through tini\n${proc.output()}`);
});
