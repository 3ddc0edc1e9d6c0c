// The Reflex app's .web/env.json, read and watched: Reflex rewrites it at every start, and a start
// with another REFLEX_API_URL or REFLEX_BACKEND_PATH moves the browser's endpoints. Polling (a stat
// a second) also sees the file appear, and survive .web/ being deleted and written again, which an
// fs.watch on the file cannot.
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { join } from 'node:path';
import { type EnvJsonRead, parseEnvJson } from '../config/reflex-endpoints.js';
import { findMarker } from './detect.js';

const POLL_MS = 1_000;

/** Where the app in `project` (rxconfig.py there or one level below) has its env.json. */
export function envJsonPathIn(project: string): string | undefined {
  const reflexDir = findMarker(project, 'rxconfig.py');
  return reflexDir === undefined ? undefined : join(reflexDir, '.web', 'env.json');
}

export function readEnvJson(file: string): EnvJsonRead {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? { kind: 'missing', file } : { kind: 'invalid', file, reason: `cannot be read (${code ?? String(error)})` };
  }
  return parseEnvJson(file, text);
}

/** Calls `onChange` with the file as it is now, whenever it changes; returns the stop function. */
export function watchEnvJson(file: string, onChange: (read: EnvJsonRead) => void): () => void {
  const listener = (): void => onChange(readEnvJson(file));
  watchFile(file, { interval: POLL_MS, persistent: false }, listener);
  return () => unwatchFile(file, listener);
}
