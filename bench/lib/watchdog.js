// The last line of defence against leftovers: run.js starts this once and tells it, on stdin,
// "+PID" for each process group it starts and "-PID" when one has ended. If run.js disappears
// without cleaning up (even by SIGKILL), the kernel closes this pipe and every group still listed
// gets SIGTERM, then SIGKILL. The proxy under test therefore runs unmodified.
const groups = new Set();
let buffered = '';

function killAll(signal) {
  for (const pid of groups) {
    try {
      process.kill(-pid, signal);
    } catch {
      groups.delete(pid);
    }
  }
}

// Ctrl-C reaches only run.js's own process group, but be sure it cannot stop us before our job.
for (const signal of ['SIGINT', 'SIGHUP']) process.on(signal, () => {});

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  const lines = buffered.split('\n');
  buffered = lines.pop();
  for (const line of lines) {
    const pid = Number(line.slice(1));
    if (!Number.isInteger(pid) || pid <= 1) continue;
    if (line[0] === '+') groups.add(pid);
    else if (line[0] === '-') groups.delete(pid);
  }
});
const finish = () => {
  if (groups.size === 0) process.exit(0);
  killAll('SIGTERM');
  setTimeout(() => {
    killAll('SIGKILL');
    process.exit(0);
  }, 2_000);
};
process.stdin.on('end', finish);
process.stdin.on('error', finish);
