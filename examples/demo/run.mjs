// `npm run demo`: sets the demo project up inside examples/demo (a Python venv with Django, the
// Reflex stand-in's npm packages, a database with a demo admin) and runs reflex-django-proxy in it,
// the way a team runs it in their own project: `npx reflex-django-proxy` in the folder.
// Nothing is installed outside this folder. Extra arguments go to the proxy (`npm run demo -- --port 9000`).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const demo = dirname(fileURLToPath(import.meta.url));
const repo = join(demo, '..', '..');
const venv = join(demo, '.venv');
const python = join(venv, 'bin', 'python');
const backend = join(demo, 'backend');
const standin = join(demo, 'reflex-standin');
// Machines without PyPI access here carry a local mirror; elsewhere pip's own index is used.
const LOCAL_MIRROR = '/opt/pypi/simple';

function step(title, command, args, options = {}) {
  process.stdout.write(`• ${title}\n`);
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.status !== 0) {
    process.stderr.write(`demo: "${[command, ...args].join(' ')}" failed${result.error ? ` (${result.error.message})` : ''}. ${options.hint ?? ''}\n`);
    process.exit(1);
  }
}

if (!existsSync(python)) {
  step('creating a Python venv in examples/demo/.venv', 'python3', ['-m', 'venv', venv], {
    hint: 'Python 3 with its venv module is needed (Debian: apt-get install python3-venv).',
  });
}
if (spawnSync(python, ['-c', 'import django'], { stdio: 'ignore' }).status !== 0) {
  const index = existsSync(LOCAL_MIRROR) ? ['--index-url', `file://${LOCAL_MIRROR}`] : [];
  step('installing Django into the venv', python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...index, 'django>=4.2,<6']);
}
if (!existsSync(join(standin, 'node_modules', 'socket.io'))) {
  step('installing the Reflex stand-in (socket.io) into examples/demo/reflex-standin', 'npm', ['install', '--no-audit', '--no-fund', '--silent'], { cwd: standin });
}
// Where the proxy looks for `reflex` in a real project: the project's venv.
const reflexShim = join(venv, 'bin', 'reflex');
writeFileSync(reflexShim, `#!/bin/sh\n# demo: the Reflex stand-in plays \`reflex run\`\nexec "${process.execPath}" "${join(standin, 'reflex.js')}" "$@"\n`);
chmodSync(reflexShim, 0o755);
step('preparing the database and the demo admin', python, ['manage.py', 'migrate', '--noinput', '-v', '0'], { cwd: backend });
step('creating the demo admin', python, ['manage.py', 'setup_demo'], { cwd: backend });

process.stdout.write(`
  Demo: Django + a Reflex stand-in behind one origin.
  Open the URL printed below (http://localhost:8000 by default), log in at /admin/ with
  admin / admin-pass-123, then open / — the Reflex socket shows who is logged in.
  Ctrl-C stops everything.

`);
const proxy = spawn(process.execPath, [join(repo, 'bin', 'reflex-django-proxy.js'), '--project', demo, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, VIRTUAL_ENV: venv },
});
// The terminal's Ctrl-C reaches the proxy too (same process group); a TERM sent to us is passed on.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => proxy.kill(signal));
proxy.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 0)));
