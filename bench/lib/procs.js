// Every child process the benchmark starts goes through here: each runs detached (its own process
// group), is tracked by PID, and is killed by group on stop, on exit, on Ctrl-C / SIGTERM / SIGHUP
// and on a crash. Should this process die without running any of that (SIGKILL), watchdog.js
// kills what is left, and our own child scripts exit by themselves when their stdin closes.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const live = new Map(); // pid -> { name, child }
const TAIL = 4096;

let watchdog;
function tellWatchdog(line) {
  if (watchdog === undefined) {
    watchdog = spawn(process.execPath, [fileURLToPath(new URL('./watchdog.js', import.meta.url))], { detached: true, stdio: ['pipe', 'ignore', 'inherit'] });
    watchdog.stdin.on('error', () => {});
    watchdog.unref();
    watchdog.stdin.unref?.();
  }
  watchdog.stdin.write(`${line}\n`);
}

/** Lets the watchdog go once nothing is left to watch (it exits when its stdin ends). */
export function releaseWatchdog() {
  watchdog?.stdin.end();
  watchdog = undefined;
}

function keepTail(tail, chunk) {
  const next = tail + chunk;
  return next.length > TAIL ? next.slice(-TAIL) : next;
}

/**
 * Spawns `command args` detached, with stdin a pipe we hold, stderr collected (tail), and stdout
 * either collected whole (`collect`), kept as a drained tail with line callbacks (`lines`), or
 * discarded ('ignore').
 */
export function spawnTracked(name, command, args, { stdout = 'lines', env = process.env, cwd } = {}) {
  const child = spawn(command, args, {
    cwd,
    env,
    detached: true,
    stdio: ['pipe', stdout === 'ignore' ? 'ignore' : 'pipe', 'pipe'],
  });
  const proc = { name, child, pid: child.pid, stderrTail: '', stdoutTail: '', stdoutAll: '', lineListeners: new Set(), exitInfo: undefined };
  // Resolved on 'close', not 'exit': only then has all of the child's output been read.
  proc.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      proc.exitInfo = { code, signal };
      live.delete(child.pid);
      // Anything the leader left in its group goes with it; then the watchdog can forget it.
      killGroup(child.pid, 'SIGKILL');
      if (watchdog !== undefined) tellWatchdog(`-${child.pid}`);
    });
    child.once('close', () => resolve(proc.exitInfo));
    child.once('error', (error) => {
      if (proc.exitInfo !== undefined) return;
      proc.exitInfo = { code: null, signal: null, error };
      if (child.pid !== undefined) live.delete(child.pid);
      resolve(proc.exitInfo);
    });
  });
  if (child.pid !== undefined) {
    live.set(child.pid, proc);
    tellWatchdog(`+${child.pid}`);
  }
  child.stdin.on('error', () => {});
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    proc.stderrTail = keepTail(proc.stderrTail, chunk);
  });
  if (stdout !== 'ignore') {
    child.stdout.setEncoding('utf8');
    let partial = '';
    child.stdout.on('data', (chunk) => {
      if (stdout === 'collect') proc.stdoutAll += chunk;
      else proc.stdoutTail = keepTail(proc.stdoutTail, chunk);
      if (proc.lineListeners.size === 0) return;
      partial += chunk;
      const lines = partial.split('\n');
      partial = lines.pop();
      for (const line of lines) for (const listener of proc.lineListeners) listener(line);
    });
  }
  return proc;
}

export function describeExit(proc) {
  const info = proc.exitInfo;
  if (info === undefined) return 'still running';
  if (info.error) return `could not start (${info.error.code ?? info.error.message})`;
  return info.signal ? `killed by ${info.signal}` : `exited with code ${info.code}`;
}

function diagnostics(proc) {
  const parts = [];
  if (proc.stderrTail.trim()) parts.push(`stderr:\n${proc.stderrTail.trim()}`);
  if (proc.stdoutTail.trim()) parts.push(`stdout (tail):\n${proc.stdoutTail.trim()}`);
  return parts.length ? `\n${parts.join('\n')}` : '';
}

/** Resolves with the first stdout JSON line for which `accept(line)` is true. */
export function waitForJsonLine(proc, accept, timeoutMs = 15_000) {
  return new Promise((resolve, reject) => {
    const done = (fn, value) => {
      clearTimeout(timer);
      proc.lineListeners.delete(onLine);
      fn(value);
    };
    const onLine = (line) => {
      let value;
      try {
        value = JSON.parse(line);
      } catch {
        return;
      }
      if (accept(value)) done(resolve, value);
    };
    const timer = setTimeout(() => done(reject, new Error(`${proc.name} (pid ${proc.pid}) not ready after ${timeoutMs} ms${diagnostics(proc)}`)), timeoutMs);
    proc.lineListeners.add(onLine);
    proc.exited.then(() => done(reject, new Error(`${proc.name} ${describeExit(proc)} before it was ready${diagnostics(proc)}`)));
  });
}

// Children are spawned detached, so each is the leader of its own group: -pid reaches it and
// anything it started. Never a bare pid after the leader exited (that pid may be someone else's).
function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // group already gone
  }
}

/** SIGTERM to the process group, SIGKILL after graceMs if it is still there. */
export async function stop(proc, graceMs = 3_000) {
  if (proc === undefined || proc.pid === undefined) return;
  if (proc.exitInfo === undefined) {
    killGroup(proc.pid, 'SIGTERM');
    let timer;
    const timedOut = await Promise.race([proc.exited.then(() => false), new Promise((r) => (timer = setTimeout(() => r(true), graceMs)))]);
    clearTimeout(timer);
    if (timedOut) {
      killGroup(proc.pid, 'SIGKILL');
      await proc.exited;
    }
  }
  proc.child.stdin.destroy();
}

export async function stopAll() {
  await Promise.all([...live.values()].map((proc) => stop(proc, 1_500)));
}

function killAllNow() {
  for (const pid of live.keys()) killGroup(pid, 'SIGKILL');
}

let installed = false;
export function installCleanup(log) {
  if (installed) return;
  installed = true;
  process.on('exit', killAllNow);
  const signals = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };
  for (const [signal, number] of Object.entries(signals)) {
    process.on(signal, () => {
      log(`\n${signal}: stopping ${live.size} child process(es)…`);
      const hardStop = setTimeout(() => process.exit(128 + number), 3_000);
      stopAll().finally(() => {
        clearTimeout(hardStop);
        process.exit(128 + number);
      });
    });
  }
  process.on('uncaughtException', (error) => {
    log(`uncaught: ${error?.stack ?? error}`);
    killAllNow();
    process.exit(1);
  });
  process.on('unhandledRejection', (error) => {
    log(`unhandled rejection: ${error?.stack ?? error}`);
    killAllNow();
    process.exit(1);
  });
}

/**
 * Runs a child to completion and parses the last JSON line of its stdout (our clients print one
 * result line). Rejects on a non-zero exit, a timeout or no JSON.
 */
export async function runToCompletion(name, command, args, { timeoutMs, stdout = 'collect' } = {}) {
  const proc = spawnTracked(name, command, args, { stdout });
  const timer = setTimeout(() => {
    proc.timedOut = true;
    void stop(proc, 1_000);
  }, timeoutMs);
  await proc.exited;
  clearTimeout(timer);
  if (proc.timedOut) throw new Error(`${name} took longer than ${timeoutMs} ms and was stopped${diagnostics(proc)}`);
  if (proc.exitInfo.code !== 0) throw new Error(`${name} ${describeExit(proc)}${diagnostics({ ...proc, stdoutTail: proc.stdoutAll.slice(-TAIL) })}`);
  return proc;
}

export function lastJsonLine(text) {
  const lines = text.trim().split('\n');
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    try {
      return JSON.parse(lines[i]);
    } catch {
      // not JSON
    }
  }
  throw new Error(`no JSON result in output:\n${text.slice(-2000)}`);
}

/** VmRSS / VmHWM (kB) and CPU ticks of a running process, from /proc. */
export function procStatus(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { vmRssKb: kb('VmRSS'), vmHwmKb: kb('VmHWM') };
}

/** Open TCP sockets of a process, from its descriptors (the listening one included). */
export function socketCount(pid) {
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) count += 1;
    } catch {
      // closed while we looked
    }
  }
  return count;
}

export function cpuTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ": state is field 3 → index 0; utime is field 14 → index 11, stime index 12.
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return NaN;
  }
}

/**
 * CPU time of this process plus its reaped children (wrk and the clients end inside a measurement,
 * so their whole run lands in cutime/cstime), in clock ticks.
 */
export function selfAndReapedTicks() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime, stime, cutime, cstime are fields 14–17 → indices 11–14 here.
  return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
}

/** Jiffies of the whole machine (all CPUs), from the first line of /proc/stat. */
export function machineTicks() {
  const [user, nice, system, idle, iowait, irq, softirq, steal = 0] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  return { work: user + nice + system, irq: irq + softirq, steal, idle: idle + iowait, total: user + nice + system + idle + iowait + irq + softirq + steal };
}
