// The launch plan takes its environment from its caller (the CLI context), not from process.env:
// the interpreter is looked up in it, and it is the children's whole environment, plus what tells
// Reflex the public origin.
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { resolveConfig } from '../../src/config/resolve.js';
import { launch } from '../../src/supervisor/child-run.js';
import { planLaunch } from '../../src/supervisor/plan.js';

const EXECUTABLE = '#!/bin/sh\n';

t.test("the caller's environment finds the interpreter and is the children's environment", async (t) => {
  const dir = t.testdir({
    app: { 'manage.py': '', 'rxconfig.py': '', '.venv': { bin: { python: EXECUTABLE, reflex: EXECUTABLE } } },
    active: { bin: { python: EXECUTABLE } },
  });
  for (const file of ['app/.venv/bin/python', 'app/.venv/bin/reflex', 'active/bin/python']) chmodSync(join(dir, file), 0o755);
  // Nothing here is in process.env: a plan that read it would find the app's venv and pass on more.
  const env = { PATH: '/usr/bin:/bin', VIRTUAL_ENV: join(dir, 'active'), TEAM_SETTING: 'from the caller', UNSET_HERE: undefined };
  t.equal(process.env.TEAM_SETTING, undefined);
  const config = await resolveConfig({ flags: { project: join(dir, 'app') }, env, cwd: dir, stdoutIsTTY: false });
  const plan = await planLaunch(config, env);
  const [django, reflex] = plan.children('http://localhost:8000');
  t.equal(django!.command.file, join(dir, 'active', 'bin', 'python'), "$VIRTUAL_ENV of the caller's environment");
  t.equal(reflex!.command.file, join(dir, 'app', '.venv', 'bin', 'reflex'), 'no reflex in $VIRTUAL_ENV: the project venv');
  for (const child of [django!, reflex!]) {
    t.same(
      child.command.env,
      {
        PATH: '/usr/bin:/bin',
        VIRTUAL_ENV: join(dir, 'active'),
        TEAM_SETTING: 'from the caller',
        PYTHONUNBUFFERED: '1',
        REFLEX_API_URL: 'http://localhost:8000',
        API_URL: 'http://localhost:8000',
      },
      `${child.name}: the caller's environment and the public origin, nothing else`,
    );
  }
});

t.test('a child runs with exactly the environment it is given', async (t) => {
  process.env.RDP_TEST_NOT_INHERITED = 'leaked';
  t.teardown(() => delete process.env.RDP_TEST_NOT_INHERITED);
  const lines: string[] = [];
  const script = 'echo "NOT_INHERITED=${RDP_TEST_NOT_INHERITED-unset} GIVEN=$GIVEN"';
  const run = await launch('env', { file: '/bin/sh', args: ['-c', script], cwd: '/', env: { GIVEN: 'yes' } }, (_stream, line) => lines.push(line), 1_000);
  t.teardown(() => run.stop(1_000));
  await run.exited;
  t.same(lines, ['NOT_INHERITED=unset GIVEN=yes']);
});

t.test('a public host other than localhost or an IP is allowed to the Reflex it starts (Vite answers 403 otherwise)', async (t) => {
  const dir = t.testdir({ 'manage.py': '', 'rxconfig.py': '', '.venv': { bin: { python: EXECUTABLE, reflex: EXECUTABLE } } });
  for (const file of ['.venv/bin/python', '.venv/bin/reflex']) chmodSync(join(dir, file), 0o755);
  const plan = async (publicUrl: string, env: Record<string, string> = {}) => {
    const config = await resolveConfig({ flags: { project: dir }, env: { PATH: '/usr/bin:/bin', ...env }, cwd: dir, stdoutIsTTY: false });
    const [django, reflex] = (await planLaunch(config, { PATH: '/usr/bin:/bin', ...env })).children(publicUrl);
    return { django: django!.command.env, reflex: reflex!.command.env };
  };
  const named = await plan('https://app.example.test:8443');
  t.match(named.reflex, { REFLEX_VITE_ALLOWED_HOSTS: 'app.example.test', __VITE_ADDITIONAL_SERVER_ALLOWED_HOSTS: 'app.example.test' });
  t.notOk('REFLEX_VITE_ALLOWED_HOSTS' in named.django, 'not to Django');
  for (const url of ['http://localhost:8000', 'https://127.0.0.1:8443', 'http://[::1]:8000']) {
    t.notOk('REFLEX_VITE_ALLOWED_HOSTS' in (await plan(url)).reflex, `${url}: Vite allows it already`);
  }
  const kept = await plan('https://app.example.test', { REFLEX_VITE_ALLOWED_HOSTS: 'other.test', __VITE_ADDITIONAL_SERVER_ALLOWED_HOSTS: 'other.test' });
  t.equal(kept.reflex.REFLEX_VITE_ALLOWED_HOSTS, 'other.test:app.example.test', "the caller's value is kept, the host added (Reflex splits on ':')");
  t.equal(kept.reflex.__VITE_ADDITIONAL_SERVER_ALLOWED_HOSTS, 'other.test,app.example.test', "Vite's own list splits on ','");
});
