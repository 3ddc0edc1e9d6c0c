// What a person at a terminal sees (issue "Supervisor" §3–4), on a real pseudo-terminal made by
// util-linux `script`: live status lines while the children start, every child line prefixed with
// its name, then the ready summary with the public URL and the routing table.
import { existsSync } from 'node:fs';
import t from 'tap';
import { createTestProject, freePort, processesIn, sleep, spawnManaged, stopOnTeardown } from './helpers/index.js';
import { CLI } from './helpers/proxy.js';

const SCRIPT = '/usr/bin/script';

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

t.test('a TTY gets live status lines, prefixed child output and a ready summary', async (t) => {
  t.ok(existsSync(SCRIPT), `${SCRIPT} (util-linux) makes the pseudo-terminal`);
  const project = await createTestProject(t);
  const ports = [await freePort(), await freePort(), await freePort(), await freePort()];
  const command = [process.execPath, CLI, '--project', project.dir, '--port', String(ports[0]), '--django-port', String(ports[1]), '--reflex-backend-port', String(ports[2]), '--reflex-frontend-port', String(ports[3])]
    .map(shellQuote)
    .join(' ');
  const env: NodeJS.ProcessEnv = { ...process.env, ...project.env, COLUMNS: '120', TERM: 'xterm' };
  for (const key of Object.keys(env)) if (key.startsWith('RDP_')) delete env[key];
  // `script` runs the command on a pty; closing it (its own stop) hangs up the proxy: SIGHUP, a clean stop.
  const tty = spawnManaged('tty', SCRIPT, ['-qefc', command, '/dev/null'], { cwd: project.dir, env, keepLines: 5000 });
  stopOnTeardown(t, tty);

  const plain = (): string => tty.output().replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  for (const deadline = Date.now() + 60_000; !plain().includes('reflex-django-proxy ready in'); await sleep(100)) {
    if (tty.hasExited() || Date.now() > deadline) throw new Error(`no ready summary on the terminal:\n${plain()}`);
  }
  const screen = plain();
  t.match(screen, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] (django|reflex) +starting +\d+\.\d s/, 'a live status line per child while it starts');
  t.match(screen, /django │ .*Starting development server/, "Django's lines, prefixed with its name");
  t.match(screen, /reflex │ App running at: http:\/\/localhost:\d+\//, "Reflex's lines, prefixed with its name");
  t.match(screen, new RegExp(`ready in \\d+\\.\\d s — open http://localhost:${ports[0]}`), 'the public URL');
  t.match(screen, /Routing table[\s\S]*Django +http:\/\/127\.0\.0\.1:\d+[\s\S]*\/admin +discovery/, 'the routing table, with sources');
  t.match(tty.output(), /\x1b\[3[25]m(django|reflex)/, 'child names in colour on a TTY');
  t.notMatch(screen, /^\{"level"/m, 'no JSON records on a terminal');

  await tty.stop();
  // The proxy runs in the pty's own session: it stops on the hang-up, a moment after `script`.
  for (const deadline = Date.now() + 10_000; processesIn(project.dir).length > 0 && Date.now() < deadline; await sleep(100));
  t.same(processesIn(project.dir), [], 'the children went with it');
});
