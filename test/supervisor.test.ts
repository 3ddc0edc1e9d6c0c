// The supervisor end to end (issue "Supervisor"): the built CLI started in a project folder runs the
// real Django (`manage.py runserver`, autoreloader on) and a `reflex` stand-in from PATH, routes to
// them, restarts what crashes while holding requests, and leaves no process of theirs behind.
import { readFile, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { io, type Socket } from 'socket.io-client';
import {
  createTestProject,
  djangoAdminLogin,
  freePort,
  groupAlive,
  killGroupsOnTeardown,
  portRefuses,
  processesIn,
  request,
  runCli,
  sleep,
  startDjango,
  startProxy,
  supervisedChildren,
  waitGroupGone,
  type RunningProxy,
  type TestProject,
} from './helpers/index.js';

const READY_TIMEOUT_MS = 30_000;
/** How long the supervised groups may take to go after a stop signal (the kill timeout is 5 s). */
const STOP_WAIT_MS = 30_000;

interface ChildPorts {
  django: number;
  backend: number;
  frontend: number;
}

/** Three distinct free ports, so parallel test files never race for 8001 / 8002 / 3000. */
async function childPorts(): Promise<ChildPorts> {
  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freePort());
  const [django, backend, frontend] = [...ports] as [number, number, number];
  return { django, backend, frontend };
}

function portFlags(ports: ChildPorts): string[] {
  return ['--django-port', String(ports.django), '--reflex-backend-port', String(ports.backend), '--reflex-frontend-port', String(ports.frontend)];
}

interface Supervised {
  proxy: RunningProxy;
  ports: ChildPorts;
  listening: Record<string, unknown>;
  /** Every child PGID seen, for the teardown safety net and the shutdown checks. */
  groups: Set<number>;
}

/** The proxy on `project`, its children on free ports; resolves once `ready` is logged. */
async function supervise(t: Test, project: TestProject, extra: string[] = [], opts: { waitReady?: boolean } = {}): Promise<Supervised> {
  const ports = await childPorts();
  const groups = new Set<number>();
  // Registered first so it runs after the proxy's own stop (teardowns run last-in first-out).
  killGroupsOnTeardown(t, () => groups);
  const proxy = await startProxy(t, ['--project', project.dir, ...portFlags(ports), ...extra], { env: project.env });
  const listening = proxy.logs().find((record) => record.msg === 'proxy listening')!;
  if (opts.waitReady ?? true) {
    await proxy.waitForLog((record) => record.msg === 'ready', READY_TIMEOUT_MS);
    noteGroups(proxy, groups);
  }
  return { proxy, ports, listening, groups };
}

function noteGroups(proxy: RunningProxy, groups: Set<number>, names?: Record<string, 'django' | 'reflex'>): ReturnType<typeof supervisedChildren> {
  const children = supervisedChildren(proxy.pid, names);
  for (const child of [children.django, children.reflex, ...children.other]) if (child) groups.add(child.pgid);
  return children;
}

/** Polls `check` until true or `timeoutMs` passed; output arrives through pipes, a little after the fact. */
async function eventually(check: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}

function childLines(proxy: RunningProxy, proc: string): string[] {
  return proxy
    .logs()
    .filter((record) => record.msg === 'child output' && record.component === 'child' && record.proc === proc)
    .map((record) => String(record.line));
}

interface LoadResult {
  sent: number;
  failures: string[];
  /** [sentAt, finishedAt] of each request, for "during the gap". */
  spans: Array<[number, number]>;
}

/** GETs `urls` in turn every `intervalMs` (without waiting for answers) until `until` resolves. */
async function load(urls: string[], intervalMs: number, until: Promise<unknown>, accept = (status: number) => status === 200): Promise<LoadResult> {
  const result: LoadResult = { sent: 0, failures: [], spans: [] };
  const pending: Array<Promise<void>> = [];
  let done = false;
  const finish = (): void => {
    done = true;
  };
  until.then(finish, finish);
  while (!done) {
    const url = urls[result.sent % urls.length]!;
    const sentAt = Date.now();
    result.sent += 1;
    pending.push(
      request(url, { timeoutMs: 20_000, headers: { Accept: 'application/json' } }).then(
        (res) => {
          result.spans.push([sentAt, Date.now()]);
          if (!accept(res.status)) result.failures.push(`${url} → ${res.status} ${res.text().slice(0, 300)}`);
        },
        (error: Error) => {
          result.spans.push([sentAt, Date.now()]);
          result.failures.push(`${url} → ${error.message}`);
        },
      ),
    );
    await sleep(intervalMs);
  }
  await Promise.all(pending);
  return result;
}

t.test('start in a project: both children supervised, routed, told the public URL', async (t) => {
  const project = await createTestProject(t);
  const { proxy, listening } = await supervise(t, project);
  t.same(listening.supervised, ['django', 'reflex'], 'both children are started');
  const ready = proxy.logs().find((record) => record.msg === 'ready')!;
  t.type(ready.timeToReadyMs, 'number', 'ready says how long it took');
  t.ok(Number(ready.timeToReadyMs) < READY_TIMEOUT_MS);

  const admin = await request(`${proxy.url}/admin/`);
  t.equal(admin.status, 302, '/admin/ → Django');
  t.equal(admin.headers.location, '/admin/login/?next=/admin/', "Django's own redirect");
  const page = await request(`${proxy.url}/`);
  t.equal(page.status, 200);
  t.match(page.text(), 'Reflex frontend (stand-in)', '/ → the stand-in frontend');
  const ping = await request(`${proxy.url}/ping`);
  t.equal(ping.status, 200);
  t.equal(ping.text(), '"pong"', '/ping → the Reflex backend');

  const publicUrl = `http://localhost:${proxy.port}`;
  t.equal(listening.publicUrl, publicUrl);
  const envJson = JSON.parse(await readFile(project.envJsonPath!, 'utf8')) as Record<string, string>;
  t.match(
    envJson,
    { PING: `${publicUrl}/ping`, EVENT: `ws://localhost:${proxy.port}/_event`, UPLOAD: `${publicUrl}/_upload`, HEALTH: `${publicUrl}/_health` },
    '.web/env.json in the frontend folder names the proxy, not the backend port',
  );

  t.ok(await eventually(() => childLines(proxy, 'reflex').some((line) => line.startsWith('Backend running at: '))), 'reflex output arrives as child records');
  t.ok(await eventually(() => childLines(proxy, 'reflex').some((line) => line.startsWith('App running at: http://localhost:'))));
  const djangoRecord = proxy.logs().find((record) => record.msg === 'child output' && record.proc === 'django');
  t.match(djangoRecord, { component: 'child', proc: 'django', stream: /^(stdout|stderr)$/, line: String }, 'django output too');

  // The stand-in's socket asks Django, through the proxy's public URL, who the handshake's cookie is.
  const session = await djangoAdminLogin(proxy.url);
  const socket: Socket = io(`${proxy.url}/_event`, {
    path: '/_event',
    transports: ['websocket'],
    protocols: ['0.9.8'],
    reconnection: false,
    timeout: 10_000,
    extraHeaders: { Cookie: session.cookie, Origin: proxy.url },
  });
  t.teardown(() => void socket.close());
  const hello = await new Promise<{ user: string | null }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no hello within 10 s')), 10_000);
    socket.once('hello', (facts: { user: string | null }) => {
      clearTimeout(timer);
      resolve(facts);
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  t.equal(hello.user, 'admin', 'the Reflex socket sees the Django login made through the proxy');
});

t.test('an upstream given as a URL is not started', async (t) => {
  const django = await startDjango(t);
  const project = await createTestProject(t);
  const { proxy, listening } = await supervise(t, project, ['--django-url', django.url]);
  t.same(listening.supervised, ['reflex'], 'only reflex is supervised');
  const children = supervisedChildren(proxy.pid);
  t.equal(children.django, undefined, 'no manage.py runserver under the proxy');
  t.ok(children.reflex, 'the reflex stand-in runs under the proxy');
  const admin = await request(`${proxy.url}/admin/`);
  t.equal(admin.status, 302);
  // runserver writes its access line after the response.
  await eventually(() => django.process.output().includes('"GET /admin/ HTTP/1.1" 302'));
  t.match(django.process.output(), '"GET /admin/ HTTP/1.1" 302', 'answered by the Django given as a URL');
});

t.test('--no-supervise starts none, and wants every upstream as a URL', async (t) => {
  const project = await createTestProject(t);
  const urls = ['--django-url', `http://127.0.0.1:${await freePort()}`, '--reflex-backend-url', `http://127.0.0.1:${await freePort()}`, '--reflex-frontend-url', `http://127.0.0.1:${await freePort()}`];
  const proxy = await startProxy(t, ['--project', project.dir, '--no-supervise', ...urls], { env: project.env });
  const listening = proxy.logs().find((record) => record.msg === 'proxy listening')!;
  t.same(listening.supervised, [], 'nothing is started');
  // Nothing gets logged after listening; give a started child the time it would need to appear.
  await sleep(500);
  const children = supervisedChildren(proxy.pid);
  t.same([children.django, children.reflex, children.watchdog, ...children.other].filter(Boolean), [], 'no child process at all');

  const missing = await runCli(t, ['--project', project.dir, '--port', '0', '--log-format', 'json', '--no-supervise', '--django-url', `http://127.0.0.1:${await freePort()}`], { env: project.env });
  t.equal(missing.code, 2, 'a usage error');
  t.match(missing.stderr, /missing --reflex-backend-url, --reflex-frontend-url .*--no-supervise/);
  t.equal(missing.stdout, '', 'nothing listened');
  t.same(processesIn(project.dir), [], 'and nothing was started');
});

t.test('SIGKILL of a child: restarted, and requests during the gap succeed', async (t) => {
  const project = await createTestProject(t);
  const { proxy, ports, groups } = await supervise(t, project);
  const before = supervisedChildren(proxy.pid).reflex!;
  t.ok(before, 'the reflex child is found by its parent pid');
  t.equal(before.pgid, before.pid, 'it leads its own process group');

  let killedAt = 0;
  let backAt = 0;
  const restarted = (async () => {
    await sleep(300);
    killedAt = Date.now();
    process.kill(before.pid, 'SIGKILL');
    const warning = await proxy.waitForLog((record) => record.msg === 'child exited; restarting' && record.proc === 'reflex', 10_000);
    t.match(warning, { level: 40, proc: 'reflex', signal: 'SIGKILL' }, 'the crash is logged');
    // The new run is up when its backend answers /ping on the same port.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const now = supervisedChildren(proxy.pid).reflex;
      if (now && now.pid !== before.pid) {
        groups.add(now.pgid);
        const ping = await request(`http://127.0.0.1:${ports.backend}/ping`, { timeoutMs: 1000 }).catch(() => undefined);
        if (ping?.status === 200) break;
      }
      if (Date.now() > deadline) throw new Error(`reflex was not restarted:\n${proxy.process.output().slice(-3000)}`);
      await sleep(25);
    }
    backAt = Date.now();
    await sleep(300);
  })();
  const result = await load([`${proxy.url}/ping`, `${proxy.url}/`], 20, restarted);
  await restarted;
  t.same(result.failures, [], 'no request failed');
  const duringGap = result.spans.filter(([sentAt, finishedAt]) => sentAt >= killedAt && sentAt < backAt && finishedAt >= sentAt);
  t.ok(duringGap.length >= 5, `requests were sent during the gap (${duringGap.length} of ${result.sent}, gap ${backAt - killedAt} ms)`);
  t.ok(backAt - killedAt >= 500, 'the gap includes the first backoff (0.5 s)');

  const after = supervisedChildren(proxy.pid).reflex!;
  t.not(after.pid, before.pid, 'a new reflex process');
  t.ok(await waitGroupGone(before.pgid, 15_000), "nothing of the killed run's group is left (its frontend child included)");
  const page = await request(`${proxy.url}/`);
  t.match(page.text(), 'Reflex frontend (stand-in)', 'the frontend answers after the restart');

  // The dashboard's Upstreams panel reads the same: the new PID, one restart, how the last run ended.
  const views = (await request(`${proxy.url}/__rdp/upstreams`)).json<{ upstreams: Array<{ name: string; logTail: string[] }> }>().upstreams;
  const reflexView = views.find((view) => view.name === 'reflex');
  t.match(reflexView, { state: 'up', supervised: true, pid: after.pid, restarts: 1, lastExit: { how: 'SIGKILL', at: Number } }, 'the dashboard sees the restart');
  t.ok(reflexView!.logTail.length > 0 && reflexView!.logTail.length <= 50, `with its newest log lines (${reflexView!.logTail.length})`);
  t.match(views.find((view) => view.name === 'django'), { state: 'up', supervised: true, pid: Number, restarts: 0, lastExit: null });
});

t.test("editing a Django file while a client sends 20 requests/s: zero failures", async (t) => {
  const project = await createTestProject(t);
  const { proxy } = await supervise(t, project);
  const reloadedLine = (): boolean => childLines(proxy, 'django').some((line) => line.includes('changed, reloading'));
  t.notOk(reloadedLine(), 'no reload before the edit');

  const sixSeconds = sleep(6000);
  const loaded = load([`${proxy.url}/whoami/`], 50, sixSeconds);
  await sleep(1000);
  await appendFile(project.viewsPy!, '\n\n# edited by supervisor.test.ts: the autoreloader must restart the worker\n');
  await proxy.waitForLog((record) => record.msg === 'child output' && record.proc === 'django' && String(record.line).includes('changed, reloading'), 5000);
  const result = await loaded;
  t.ok(result.sent >= 100, `about 20 requests/s for 6 s (${result.sent})`);
  t.same(result.failures, [], 'zero failed requests across the reload');
  t.ok(reloadedLine(), 'the autoreloader really reloaded ("changed, reloading")');
  await eventually(() => childLines(proxy, 'django').filter((line) => line.startsWith('Watching for file changes with')).length >= 2);
  t.match(childLines(proxy, 'django').find((line) => line.includes('changed, reloading')), /views\.py changed, reloading/);
  const workers = childLines(proxy, 'django').filter((line) => line.startsWith('Watching for file changes with'));
  t.ok(workers.length >= 2, `a new worker started after the edit (${workers.length} "Watching for file changes" lines)`);
  const res = await request(`${proxy.url}/whoami/`);
  t.equal(res.status, 200, 'the reloaded worker answers');
});

for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
  t.test(`${signal} of the proxy: no process of any child's group is left, the ports are free`, async (t) => {
    const project = await createTestProject(t);
    const { proxy, ports, groups } = await supervise(t, project);
    const children = supervisedChildren(proxy.pid);
    const pgids = [children.django!.pgid, children.reflex!.pgid];
    const watchdog = children.watchdog!;
    t.ok(watchdog, 'a watchdog runs beside the children');
    for (const pgid of pgids) t.ok(groupAlive(pgid), `group ${pgid} runs before the signal`);
    t.ok(groups.has(pgids[0]!) && groups.has(pgids[1]!), 'the teardown safety net knows both groups');
    const frontendPorts = childLines(proxy, 'reflex')
      .map((line) => /App running at: http:\/\/localhost:(\d+)/.exec(line)?.[1])
      .filter((port) => port !== undefined)
      .map(Number);
    const allPorts = [ports.django, ports.backend, ...new Set([ports.frontend, ...frontendPorts])];
    for (const port of allPorts) t.notOk(await portRefuses(port), `port ${port} is in use before`);

    const sentAt = Date.now();
    process.kill(proxy.pid, signal);
    const exit = await Promise.race([proxy.process.exited, sleep(15_000).then(() => undefined)]);
    t.ok(exit, 'the proxy exits');
    if (signal === 'SIGKILL') {
      t.equal(exit?.signal, 'SIGKILL');
    } else {
      t.equal(exit?.code, 0, 'exit status 0 after a graceful stop');
      t.ok(proxy.logs().some((record) => record.msg === 'stopping'), 'it says it is stopping');
    }
    for (const pgid of pgids) {
      // The kill timeout is 5 s; on a loaded machine the escalation may take longer, so this waits
      // generously: that the groups go is the behaviour, how fast is the benchmarks' business.
      t.ok(await waitGroupGone(pgid, Math.max(0, sentAt + STOP_WAIT_MS - Date.now())), `group ${pgid} is gone after ${signal}`);
    }
    for (const port of allPorts) t.ok(await portRefuses(port), `port ${port} refuses connections`);
    t.same(processesIn(project.dir), [], 'no process runs in the project folder');
    t.ok(await waitGroupGone(watchdog.pgid, 15_000), 'the watchdog is gone too');
  });
}

t.test('a child that crashes 5 times in 2 minutes stays down: 503 naming it, with its last lines', async (t) => {
  const project = await createTestProject(t);
  const script = join(project.dir, 'crashes-after-ready.mjs');
  await writeFile(
    script,
    `import { createServer } from 'node:http';
const [backendPort, frontendPort] = process.argv.slice(2).map(Number);
const answer = (req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('"pong"');
let listening = 0;
for (const port of [backendPort, frontendPort]) createServer(answer).listen(port, '127.0.0.1', () => {
  listening += 1;
  if (listening < 2) return;
  console.log('crashes-after-ready: up on ' + backendPort + ' and ' + frontendPort);
  setTimeout(() => { console.error('crashes-after-ready: ImportError: no module named broken_app'); process.exit(1); }, 300);
});
`,
  );
  const { proxy } = await supervise(t, project, ['--reflex-cmd', `${JSON.stringify(process.execPath)} ${JSON.stringify(script)} {backend_port} {frontend_port}`, '--hold-timeout', '1000']);
  // Backoff 0.5 + 1 + 2 + 4 s between five short runs: well under 20 s.
  const gaveUp = await proxy.waitForLog((record) => record.level === 50 && record.proc === 'reflex', 120_000);
  t.match(gaveUp, { proc: 'reflex', crashes: 5, msg: /stays down/ });
  t.match((gaveUp.lastLines as string[]).join('\n'), 'no module named broken_app', 'the terminal shows what to fix');
  const restarts = proxy.logs().filter((record) => record.msg === 'child exited; restarting' && record.proc === 'reflex');
  t.same(
    restarts.map((record) => record.restartInMs),
    [500, 1000, 2000, 4000],
    'four restarts with doubling backoff before giving up',
  );

  // It stays down: no new run appears, and the proxy answers 503 naming it.
  await sleep(1000);
  t.equal(supervisedChildren(proxy.pid, { 'crashes-after-ready': 'reflex' }).reflex, undefined, 'not restarted again');
  const res = await request(`${proxy.url}/ping`, { headers: { Accept: 'application/json' } });
  t.equal(res.status, 503);
  const body = res.json<{ error: string; upstream: { name: string; state: string; logTail: string[] } }>();
  t.equal(body.error, 'RDP_ERR_UPSTREAM_UNAVAILABLE');
  t.equal(body.upstream.name, 'reflex');
  t.equal(body.upstream.state, 'down');
  t.ok(body.upstream.logTail.some((line) => line.includes('no module named broken_app')), 'its last log lines');
  t.ok(body.upstream.logTail.length <= 30, 'at most 30 lines');
  const html = await request(`${proxy.url}/`, { headers: { Accept: 'text/html' } });
  t.equal(html.status, 503, 'the frontend it served is down too');
  t.match(html.text(), /frontend is down[\s\S]*no module named broken_app/, 'the page shows the last lines');
  t.equal((await request(`${proxy.url}/admin/`)).status, 302, 'Django is still served');
});

t.test('a crash at start: exit 1 with a message naming django and its last lines', async (t) => {
  const project = await createTestProject(t);
  const script = join(project.dir, 'exits-at-start.mjs');
  await writeFile(script, "console.error('exits-at-start: django.core.exceptions.ImproperlyConfigured: SECRET_KEY'); process.exit(3);\n");
  const { proxy } = await supervise(t, project, ['--django-cmd', `${JSON.stringify(process.execPath)} ${JSON.stringify(script)} {port}`], { waitReady: false });
  const started = Date.now();
  const exit = await Promise.race([proxy.process.exited, sleep(30_000).then(() => undefined)]);
  t.ok(exit, `the proxy exits (${Date.now() - started} ms after listening)`);
  t.equal(exit?.code, 1, 'a run-time failure');
  await eventually(() => proxy.process.output().includes('exits-at-start: django.core'));
  const output = proxy.process.output();
  t.match(output, /reflex-django-proxy: django exited \(exit code 3\) before it was ready; last lines:\n.*exits-at-start: django\.core\.exceptions\.ImproperlyConfigured: SECRET_KEY/);
  t.notOk(proxy.logs().some((record) => record.msg === 'ready'), 'never ready');
  t.same(processesIn(project.dir), [], 'the reflex child started alongside was stopped too');
});
