// `npm run demo` as the README gives it: it sets examples/demo up inside that folder (venv with
// Django, the stand-in's npm packages, the demo admin), runs the proxy, and every check of `verify`
// passes against it with the printed credentials; Ctrl-C stops everything.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { groupAlive, repoRoot, sleep, spawnManaged, stopOnTeardown } from './helpers/index.js';
import { CLI } from './helpers/proxy.js';

const run = promisify(execFile);

t.test('npm run demo: the bundled example behind one origin, verified', { timeout: 300_000 }, async (t) => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('RDP_') || key.startsWith('REFLEX_') || key === 'VIRTUAL_ENV') delete env[key];
  const demo = spawnManaged('demo', process.execPath, [join(repoRoot, 'examples', 'demo', 'run.mjs'), '--port', '0', '--log-format', 'json'], { cwd: repoRoot, env, keepLines: 5000 });
  stopOnTeardown(t, demo);

  let url: string | undefined;
  for (const deadline = Date.now() + 240_000; url === undefined; await sleep(100)) {
    const ready = demo.output().split('\n').find((line) => line.startsWith('{') && line.includes('"msg":"ready"'));
    if (ready !== undefined) url = (JSON.parse(ready) as { publicUrl: string }).publicUrl;
    if (demo.hasExited() || Date.now() > deadline) throw new Error(`the demo did not get ready:\n${demo.output()}`);
  }
  t.match(demo.output(), /admin \/ admin-pass-123/, 'the demo prints its credentials');

  const { stdout } = await run(process.execPath, [CLI, 'verify', '--url', url, '--username', 'admin', '--password', 'admin-pass-123', '--json'], { env: { PATH: process.env.PATH } });
  const checks = stdout.trim().split('\n').map((line) => JSON.parse(line) as { id: number; status: string });
  t.same(checks.map((check) => `${check.id}:${check.status}`), ['1:pass', '2:pass', '3:pass', '4:pass', '5:pass', '6:pass', '7:pass', '8:pass', '9:pass']);

  process.kill(demo.pid, 'SIGINT');
  const exit = await demo.exited;
  t.equal(exit.code, 0, 'Ctrl-C stops the demo cleanly');
  t.notOk(groupAlive(demo.pid), 'nothing of it is left');
});
