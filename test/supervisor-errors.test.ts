// What stops `npx reflex-django-proxy` before anything runs (issue "Supervisor" §1, §5): each case
// names what is missing or taken, where it looked and the flag that fixes it, exits with its status
// (2: fix the invocation or project, 1: a run-time problem) and does so without waiting for any
// readiness or hold timeout (how fast is the benchmarks' business, not a test's).
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { createTestProject, processesIn, runCli, testVirtualEnv, type CliRun, type TestProject } from './helpers/index.js';

/** Far below the waits a hang would show (readiness, --hold-timeout), far above a loaded machine's slowness. */
const WITHIN_MS = 20_000;

async function runIn(t: Test, project: TestProject, extra: string[] = []): Promise<CliRun> {
  return runCli(t, ['--project', project.dir, '--port', '0', '--log-format', 'json', ...extra], { env: project.env, timeoutMs: 40_000 });
}

/** One line on stderr with the error code, nothing listened, nothing left running, fast enough. */
function assertCleanFailure(t: Test, run: CliRun, project: TestProject, code: number, errorCode: string): void {
  t.equal(run.code, code, `exit status ${code}`);
  t.ok(run.ms < WITHIN_MS, `failed within ${WITHIN_MS} ms (took ${run.ms} ms)`);
  t.equal(run.stderr.trim().split('\n').length, 1, 'one line, no stack');
  t.match(run.stderr, new RegExp(`^reflex-django-proxy: .* \\[${errorCode}\\]\\n$`));
  t.notMatch(run.stdout, 'proxy listening', 'it never listened');
  t.same(processesIn(project.dir), [], 'nothing was left running');
}

async function holdPort(t: Test): Promise<number> {
  const server: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

t.test('no manage.py: exit 2 naming the folder searched and the flags', async (t) => {
  const project = await createTestProject(t, { django: false });
  const run = await runIn(t, project);
  assertCleanFailure(t, run, project, 2, 'RDP_ERR_PROJECT');
  t.match(run.stderr, `no manage.py in ${project.dir} or one level below`, 'the path searched');
  t.match(run.stderr, '--project', 'the flag that points elsewhere');
  t.match(run.stderr, '--django-url', 'the flag for a Django already running');
});

t.test('no reflex executable: exit 2 naming every place looked and the flags', async (t) => {
  const project = await createTestProject(t, { reflexOnPath: false });
  t.notMatch(project.env.PATH, project.binDir, 'the stand-in is not on PATH');
  const run = await runIn(t, project);
  assertCleanFailure(t, run, project, 2, 'RDP_ERR_PROJECT');
  t.match(run.stderr, 'no reflex executable: looked in ');
  t.match(run.stderr, `${join(testVirtualEnv(), 'bin', 'reflex')}, `, "$VIRTUAL_ENV's bin, as an absolute path");
  t.match(run.stderr, 'backend/.venv/bin/reflex', "the project's own venvs, relative to it");
  t.match(run.stderr, 'and on PATH');
  t.match(run.stderr, '--reflex-cmd', 'the flag that names another command');
});

t.test('a child port already in use: exit 1 naming the port and its flag', async (t) => {
  const project = await createTestProject(t);
  for (const flag of ['--django-port', '--reflex-backend-port', '--reflex-frontend-port']) {
    const port = await holdPort(t);
    const run = await runIn(t, project, [flag, String(port)]);
    assertCleanFailure(t, run, project, 1, 'RDP_ERR_PORT_IN_USE');
    t.match(run.stderr, `${flag}: 127.0.0.1:${port} is already in use`, `${flag}: the port and its flag`);
    t.match(run.stderr, `choose another with ${flag}`);
  }
});

t.test('a --django-cmd that cannot start: exit 1 naming django and the command', async (t) => {
  const project = await createTestProject(t);
  const missing = join(project.dir, 'no-such-python');
  const run = await runIn(t, project, ['--django-cmd', `${missing} manage.py runserver 127.0.0.1:{port}`]);
  t.equal(run.code, 1);
  t.ok(run.ms < WITHIN_MS, `failed within ${WITHIN_MS} ms (took ${run.ms} ms)`);
  t.match(run.stderr, `django: cannot start ${missing} (not found)`);
  t.same(processesIn(project.dir), [], 'the reflex child started alongside was stopped');
});
