// One run of one child: execa in its own process group (detached), every output line delivered
// whole, and the group stopped with TERM then KILL.
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { RdpError } from '../errors.js';
import { stopGroup } from './process-group.js';

/** After the group is empty its pipes close at once; this only bounds a stuck reader. */
const DRAIN_TIMEOUT_MS = 1_000;

export interface ChildCommand {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** The child's whole environment: nothing is inherited from this process besides. */
  readonly env: Readonly<Record<string, string>>;
}

export interface ChildExit {
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
}

export interface ChildRun {
  readonly pid: number;
  readonly startedAt: number;
  readonly exited: Promise<ChildExit>;
  stop(killTimeoutMs: number): Promise<void>;
}

type LineSink = (stream: 'stdout' | 'stderr', line: string) => void;

/**
 * Resolves once the process exists; rejects with a message naming the command when it cannot.
 * `orphanGraceMs`: when the leader exits on its own, what is left of its group gets this long
 * between SIGTERM and SIGKILL.
 */
export async function launch(name: string, command: ChildCommand, onLine: LineSink, orphanGraceMs: number): Promise<ChildRun> {
  const subprocess = execa(command.file, command.args, {
    cwd: command.cwd,
    env: command.env,
    extendEnv: false,
    detached: true,
    cleanup: false,
    stdin: 'ignore',
    buffer: false,
    reject: false,
  });
  const spawned = await new Promise<boolean>((resolve) => {
    subprocess.once('spawn', () => resolve(true));
    subprocess.once('error', () => resolve(false));
  });
  if (!spawned || subprocess.pid === undefined) {
    const result = await subprocess;
    const why = result.code === 'ENOENT' ? 'not found' : result.code === 'EACCES' ? 'not executable' : (result.originalMessage ?? result.shortMessage);
    throw new RdpError('RDP_ERR_CHILD_FAILED', `${name}: cannot start ${command.file} (${why}) in ${command.cwd}`);
  }
  const pid = subprocess.pid;
  for (const stream of ['stdout', 'stderr'] as const) {
    createInterface({ input: subprocess[stream], crlfDelay: Infinity }).on('line', (line) => onLine(stream, line));
  }
  // The leader's own exit, not execa's promise: that one also waits for stdout to close, which never
  // happens while a process left in the group holds it (Reflex's Vite after its Python parent died).
  const drained = subprocess.then(() => undefined);
  const exited = new Promise<ChildExit>((resolve) => {
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      const exit = { exitCode: code ?? undefined, signal: signal ?? undefined };
      // What the leader started lives on without it, holding the ports and our pipes: stop the rest
      // of the group, then let the last lines drain (they go into the error message) before reporting.
      void stopGroup(pid, orphanGraceMs)
        .then(() => Promise.race([drained, delay(DRAIN_TIMEOUT_MS)]))
        .then(() => resolve(exit));
    };
    if (subprocess.exitCode !== null || subprocess.signalCode !== null) onExit(subprocess.exitCode, subprocess.signalCode);
    else subprocess.once('exit', onExit);
  });
  return {
    pid,
    startedAt: Date.now(),
    exited,
    stop: (killTimeoutMs) => stopGroup(pid, killTimeoutMs),
  };
}
