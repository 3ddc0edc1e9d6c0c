// The proxy's half of the watchdog (see watchdog-main.ts): register each child's process group
// while it runs, release it once it has been stopped.
import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export interface Watchdog {
  watch(pgid: number): void;
  release(pgid: number): void;
  /** After a clean stop: nothing left to kill, the watchdog exits. */
  close(): void;
}

export function startWatchdog(): Watchdog {
  const script = fileURLToPath(new URL('./watchdog-main.js', import.meta.url));
  const child = spawn(process.execPath, [script], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  child.unref();
  const pipe = child.stdin as Writable & { unref?: () => void };
  // The pipe must not keep the proxy alive, and a dead watchdog must not crash it.
  (pipe as unknown as { _handle?: { unref?: () => void } })._handle?.unref?.();
  pipe.on('error', () => {});
  const send = (line: string): void => {
    if (!pipe.destroyed) pipe.write(`${line}\n`);
  };
  return {
    watch: (pgid) => send(`+${pgid}`),
    release: (pgid) => send(`-${pgid}`),
    close: () => pipe.end(),
  };
}
