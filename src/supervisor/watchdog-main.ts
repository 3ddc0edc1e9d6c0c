// The watchdog process: it holds the read end of a pipe from the proxy. The pipe closes when the
// proxy exits for any reason, SIGKILL included (the kernel closes it; Linux and macOS alike), and
// then every process group still registered is SIGKILLed at once.
const groups = new Set<number>();
let pending = '';

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => {});

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  pending += chunk;
  let newline = pending.indexOf('\n');
  while (newline !== -1) {
    const line = pending.slice(0, newline);
    pending = pending.slice(newline + 1);
    const pgid = Number(line.slice(1));
    if (Number.isInteger(pgid) && pgid > 1) {
      if (line.startsWith('+')) groups.add(pgid);
      else groups.delete(pgid);
    }
    newline = pending.indexOf('\n');
  }
});
process.stdin.on('close', () => {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  process.exit(0);
});
