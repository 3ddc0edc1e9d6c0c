// Helpers for the programs run.js starts as children (origins and load clients).

/**
 * Exits when run.js goes away: it holds the write end of our stdin, and the kernel closes it even if
 * run.js is SIGKILLed, so an origin or client can never outlive the benchmark.
 */
export function exitWithParent() {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}

/** The one JSON line the parent waits for (readiness or a result). */
export function report(value) {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** `--name value` pairs into an object; numbers stay strings, callers convert. */
export function parseFlags(argv = process.argv.slice(2)) {
  const flags = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    if (eq > 0) flags[arg.slice(2, eq)] = arg.slice(eq + 1);
    else flags[arg.slice(2)] = argv[++i];
  }
  return flags;
}

export function fail(error) {
  process.stderr.write(`${error?.stack ?? String(error)}\n`);
  process.exit(1);
}
