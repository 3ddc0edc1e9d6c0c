// Our Python scripts (src/project/probes/: discovery, the rxconfig reader) run by path with the
// project's own interpreter and print their answer as the last line of JSON. Anything else — a
// timeout, a Python error, an interpreter that cannot start — becomes one line of reason.
import { fileURLToPath } from 'node:url';

type ProbeResult<T> = { readonly value: T } | { readonly reason: string };

type ProbeName = 'discover_django' | 'read_rxconfig';

/** The script's file: beside this module in src/ (ts-node) and in dist/ (the build copies it there). */
function probePath(name: ProbeName): string {
  return fileURLToPath(new URL(`./probes/${name}.py`, import.meta.url));
}

export async function runPythonProbe<T>(
  python: string,
  probe: ProbeName,
  args: readonly string[],
  options: { readonly cwd?: string; readonly env: Readonly<Record<string, string | undefined>>; readonly timeoutMs: number },
): Promise<ProbeResult<T>> {
  // execa loads only when a probe runs: a proxy in front of running upstreams never needs it.
  const { execa } = await import('execa');
  const result = await execa(python, [probePath(probe), ...args], {
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    env: { ...options.env, PYTHONDONTWRITEBYTECODE: '1' },
    extendEnv: false,
    reject: false,
    timeout: options.timeoutMs,
    stdin: 'ignore',
  });
  try {
    return { value: JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as T };
  } catch {
    const stderr = result.stderr.trim().split('\n').at(-1);
    return { reason: result.timedOut ? `timed out after ${options.timeoutMs} ms` : stderr || result.originalMessage || result.shortMessage || 'it printed no answer' };
  }
}
