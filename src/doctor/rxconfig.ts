// rxconfig.py read statically with Python's own `ast` (project/probes/read_rxconfig.py), through the
// project's interpreter: importing it would need Reflex installed, and would run the team's code.
// Only the keyword arguments of the `rx.Config(...)` / `Config(...)` call are read; literals are
// evaluated with ast.literal_eval, anything else is kept as its source text.
import { runPythonProbe } from '../project/python-probe.js';

const READ_TIMEOUT_MS = 15_000;

export interface RxKeyword {
  /** True when ast.literal_eval could evaluate it; `value` is then its value as JSON. */
  readonly literal: boolean;
  readonly value: unknown;
  /** The expression as written. */
  readonly source: string;
  readonly line: number;
}

interface RxConfigFacts {
  readonly file: string;
  /** Line of the Config(...) call; null when there is none. */
  readonly callLine: number | null;
  readonly keywords: Readonly<Record<string, RxKeyword>>;
  /** What could not be read (no call, `**kwargs`). */
  readonly notes: readonly string[];
  /** The file could not be parsed or read; nothing else is then known. */
  readonly error?: string;
}

export async function readRxconfig(python: string, file: string, env: Readonly<Record<string, string | undefined>>): Promise<RxConfigFacts> {
  const read = await runPythonProbe<Omit<RxConfigFacts, 'file'>>(python, 'read_rxconfig', [file], { env, timeoutMs: READ_TIMEOUT_MS });
  if ('reason' in read) return { file, callLine: null, keywords: {}, notes: [], error: `${python} could not read it: ${read.reason}` };
  return { file, ...read.value };
}
