// What the commands read of the Reflex app before routing (docs/layouts.md): its .web/env.json,
// and rxconfig.py's backend_path while there is no env.json to say it (before the first start).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReflexProjectFacts } from '../config/resolve.js';
import { readRxconfig } from '../doctor/rxconfig.js';
import { findMarker, pythonFor } from '../project/detect.js';
import { readEnvJson } from '../project/env-json.js';
import { normalizePrefix } from '../router.js';
import type { CliContext } from './context.js';

function mentions(file: string, word: string): boolean {
  try {
    return readFileSync(file, 'utf8').includes(word);
  } catch {
    return false;
  }
}

export function reflexProjectReader(env: CliContext['env']) {
  return async (projectDir: string, backendPath: boolean): Promise<ReflexProjectFacts | undefined> => {
    const reflexDir = findMarker(projectDir, 'rxconfig.py');
    if (reflexDir === undefined) return undefined;
    const envJson = readEnvJson(join(reflexDir, '.web', 'env.json'));
    const rxconfig = join(reflexDir, 'rxconfig.py');
    // The interpreter starts only for an rxconfig.py that names the keyword at all.
    if (!backendPath || envJson.kind === 'ok' || !mentions(rxconfig, 'backend_path')) return { envJson };
    const rx = await readRxconfig(pythonFor([reflexDir, projectDir], env), rxconfig, env);
    const given = rx.keywords.backend_path;
    return { envJson, backendPath: given?.literal === true && typeof given.value === 'string' ? normalizePrefix(given.value) : undefined };
  };
}
