// Child processes for tests: each in its own process group, output kept in a ring buffer, and
// killed as a group — dev servers fork (Django's autoreloader, Vite's workers), so killing the
// leader alone leaves orphans behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { isGroupAlive, stopGroup } from '../../src/supervisor/process-group.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { request as httpRequest } from 'node:http';

/** What the helpers need from a tap test: anything with `teardown`. */
export interface TeardownHost {
  teardown(fn: () => unknown): void;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** The last lines of stdout+stderr, for error messages. */
  output(): string;
  /** Resolves when the leader exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves when no member is left. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnManagedOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Lines kept for error messages. */
  keepLines?: number;
}

const verbose = !!process.env.RDP_TEST_VERBOSE;

export function spawnManaged(name: string, cmd: string, args: string[], opts: SpawnManagedOptions): ManagedProcess {
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) {
    // The 'error' event follows asynchronously; without a listener it would crash the test.
    child.on('error', () => {});
    throw new Error(`${name}: could not spawn ${cmd}`);
  }
  const pid = child.pid;
  const keep = opts.keepLines ?? 200;
  const lines: string[] = [];
  const partial = { stdout: '', stderr: '' };
  const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    const parts = (partial[stream] + chunk.toString('utf8')).split('\n');
    partial[stream] = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      if (verbose) process.stderr.write(`[${name} ${pid}] ${line}\n`);
    }
    if (lines.length > keep) lines.splice(0, lines.length - keep);
  };
  child.stdout?.on('data', collect('stdout'));
  child.stderr?.on('data', collect('stderr'));

  let exitedFlag = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      exitedFlag = true;
      resolve({ code, signal });
    });
    child.on('error', (err) => {
      lines.push(`spawn error: ${err.message}`);
      exitedFlag = true;
      resolve({ code: null, signal: null });
    });
  });

  reaper().watch(pid);
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 3000) =>
    (stopping ??= (async () => {
      await stopGroup(pid, graceMs);
      await Promise.race([exited, sleep(500)]);
      reaper().release(pid);
    })());

  return {
    name,
    pid,
    child,
    exited,
    hasExited: () => exitedFlag,
    output: () => [...lines, partial.stdout, partial.stderr].filter((l) => l !== '').join('\n'),
    stop,
  };
}

/** True while some non-zombie process is in the group (zombies may wait for a lazy reaper). */
export const groupAlive = isGroupAlive;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Stop `proc` when the test `t` ends. */
export function stopOnTeardown(t: TeardownHost, proc: ManagedProcess): void {
  t.teardown(() => proc.stop());
}

// If the test process dies without running teardowns (tap's timeout kills it with a signal), its
// detached children would live on. A tiny sidecar holds a pipe from us; at EOF it kills every
// group still registered and removes the temp dirs still registered.
const REAPER_SOURCE = `
const sets = { g: new Set(), d: new Set() };
let buf = '';
process.stdin.on('data', (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    const [kind, op] = line;
    const value = line.slice(3);
    if (op === '+') sets[kind].add(value); else sets[kind].delete(value);
  }
});
process.stdin.on('end', () => {
  const kill = (sig) => { for (const g of sets.g) { try { process.kill(-Number(g), sig); } catch {} } };
  const finish = () => {
    for (const d of sets.d) { try { require('fs').rmSync(d, { recursive: true, force: true }); } catch {} }
    process.exit(0);
  };
  kill('SIGTERM');
  if (sets.g.size === 0) finish();
  setTimeout(() => { kill('SIGKILL'); setTimeout(finish, 200); }, 3000);
});
`;

interface Reaper {
  watch(pgid: number): void;
  release(pgid: number): void;
  watchDir(path: string): void;
  releaseDir(path: string): void;
}

let reaperInstance: Reaper | undefined;

function reaper(): Reaper {
  if (reaperInstance) return reaperInstance;
  const child = spawn(process.execPath, ['-e', REAPER_SOURCE], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.unref();
  const stdin = child.stdin!;
  // The pipe must not keep the test process alive.
  (stdin as unknown as { unref?: () => void }).unref?.();
  stdin.on('error', () => {});
  const send = (line: string) => void stdin.write(`${line}\n`);
  reaperInstance = {
    watch: (pgid) => send(`g+ ${pgid}`),
    release: (pgid) => send(`g- ${pgid}`),
    watchDir: (path) => send(`d+ ${path}`),
    releaseDir: (path) => send(`d- ${path}`),
  };
  return reaperInstance;
}

/** A temp dir removed at teardown, or by the reaper if the test process dies first. */
export async function tempDir(t: TeardownHost | undefined, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  reaper().watchDir(dir);
  t?.teardown(() => removeTempDir(dir));
  return dir;
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  reaper().releaseDir(dir);
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

export interface WaitForHttpOptions {
  /** Accept only responses for which this returns true (default: any HTTP response). */
  accept?: (status: number) => boolean;
  /** Fail early when this process exits. */
  process?: ManagedProcess;
  intervalMs?: number;
}

/** Poll `url` until it answers HTTP; rejects after `timeoutMs` with the process output if given. */
export async function waitForHttp(url: string, timeoutMs = 20000, opts: WaitForHttpOptions = {}): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt';
  for (;;) {
    if (opts.process?.hasExited()) {
      throw new Error(`${opts.process.name} exited before ${url} answered`);
    }
    try {
      const status = await probe(url);
      if (!opts.accept || opts.accept(status)) return status;
      last = `status ${status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) {
      throw new Error(`${url} did not answer within ${timeoutMs} ms (last: ${last})`);
    }
    await sleep(opts.intervalMs ?? 100);
  }
}

function probe(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Wraps a startup failure with the process's recent output. */
export function startupError(proc: ManagedProcess, err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  return new Error(`${proc.name} (pid ${proc.pid}) failed to start: ${message}\n--- last output ---\n${proc.output()}`);
}

/** Wait for readiness; on failure stop the process and report its output. */
export async function startAndWait(proc: ManagedProcess, ready: () => Promise<unknown>): Promise<void> {
  try {
    await ready();
  } catch (err) {
    // Let a dying process flush its last words before quoting them.
    await Promise.race([proc.exited, sleep(300)]);
    await proc.stop();
    throw startupError(proc, err);
  }
}

/** Output lines that mean "the port was taken between freePort() and bind". */
export const PORT_IN_USE = /address already in use|port is already in use|is in use|EADDRINUSE|Errno 98/i;
