// The proxy as users run it: the built CLI in its own process group, on a free port (--port 0),
// JSON logs captured so tests can read the access lines.
import { join } from 'node:path';
import { spawnManaged, sleep, stopOnTeardown, type ManagedProcess, type TeardownHost } from './process.js';
import { repoRoot } from './paths.js';

export const CLI = join(repoRoot, 'bin', 'reflex-django-proxy.js');

export interface RunningProxy {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly process: ManagedProcess;
  /** Every JSON log record so far. */
  logs(): Array<Record<string, unknown>>;
  /** Resolves with the first record `match` accepts, waiting up to `timeoutMs`. */
  waitForLog(match: (record: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

function parseRecords(output: string): Array<Record<string, unknown>> {
  const records: Array<Record<string, unknown>> = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      records.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line cut by the ring buffer
    }
  }
  return records;
}

export async function startProxy(
  t: TeardownHost,
  args: readonly string[],
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<RunningProxy> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('RDP_') || key.startsWith('REFLEX_')) delete env[key];
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const child = spawnManaged('proxy', process.execPath, [CLI, '--port', '0', '--log-format', 'json', ...args], {
    cwd: options.cwd ?? repoRoot,
    env,
    keepLines: 20_000,
  });
  stopOnTeardown(t, child);
  const logs = (): Array<Record<string, unknown>> => parseRecords(child.output());
  const waitForLog: RunningProxy['waitForLog'] = async (match, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = logs().find(match);
      if (found !== undefined) return found;
      if (child.hasExited()) throw new Error(`proxy exited:\n${child.output()}`);
      if (Date.now() > deadline) throw new Error(`no matching log record within ${timeoutMs} ms:\n${child.output()}`);
      await sleep(25);
    }
  };
  const ready = await waitForLog((record) => record.msg === 'proxy listening');
  const url = String(ready.url);
  return { url, port: Number(new URL(url).port), pid: child.pid, process: child, logs, waitForLog, stop: () => child.stop() };
}
