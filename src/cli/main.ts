// The CLI: pick the command, parse its flags, run it; a usage mistake prints one line and exits 2,
// a runtime failure one line and exits 1, anything unexpected in full.
import { EXIT_FAILURE, RdpError } from '../errors.js';
import { parseCommandLine } from './args.js';
import type { CliContext, Command } from './context.js';
import { helpText } from './help.js';
import { version } from './version.js';

const COMMANDS: Readonly<Record<string, () => Promise<{ command: Command }>>> = {
  start: () => import('./commands/start.js'),
  routes: () => import('./commands/routes.js'),
  doctor: () => import('./commands/doctor.js'),
  verify: () => import('./commands/verify.js'),
  export: () => import('./commands/export.js'),
};

const SUMMARIES = [
  { name: 'start', summary: 'run the proxy (the default command)' },
  { name: 'routes', summary: 'print the routing table, or where paths go' },
  { name: 'doctor', summary: 'read the settings for what breaks one-origin sessions' },
  { name: 'verify', summary: 'prove same-origin sessions work through a running proxy' },
  { name: 'export', summary: 'write the routing table for nginx, Caddy, HAProxy or Kubernetes' },
];

export async function run(argv: readonly string[], context: CliContext): Promise<number> {
  const [first] = argv;
  const named = first !== undefined && !first.startsWith('-');
  const load = named ? COMMANDS[first] : COMMANDS.start;
  try {
    if (load === undefined) {
      throw new RdpError('RDP_ERR_UNKNOWN_OPTION', `unknown command "${first}"; commands: ${Object.keys(COMMANDS).join(', ')} (see --help)`);
    }
    const { command } = await load();
    const commandLine = parseCommandLine(named ? argv.slice(1) : argv, command.flags, command.name);
    if (commandLine.own.help === true) {
      context.stdout.write(helpText(command, SUMMARIES));
      return 0;
    }
    if (commandLine.own.version === true) {
      context.stdout.write(`${version()}\n`);
      return 0;
    }
    return await command.run(commandLine, context);
  } catch (error) {
    if (error instanceof RdpError) {
      context.stderr.write(`reflex-django-proxy: ${error.message} [${error.code}]\n`);
      return error.exitCode;
    }
    context.stderr.write(`reflex-django-proxy: unexpected error\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_FAILURE;
  }
}

export async function runMain(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  // `routes | head`: a reader that has gone is not an error worth a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const code = await run(argv, { env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr });
  process.exitCode = code;
  // Servers and pending timers must not keep a finished command alive.
  if (code !== 0 || argv[0] !== undefined) setImmediate(() => process.exit(code));
}
