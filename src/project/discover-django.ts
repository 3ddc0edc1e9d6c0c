// Django prefix discovery (docs/routing.md §1, source 4): a one-shot run of the project's interpreter
// with probes/discover_django.py, which sets Django up — so Django itself resolves ROOT_URLCONF,
// include() and settings, as runserver would — and prints, as JSON, the first path segment of every
// top-level URL pattern, the static and media prefixes, and the settings `doctor` reads.
import { RdpError } from '../errors.js';
import { findMarker, pythonFor } from './detect.js';
import { runPythonProbe } from './python-probe.js';
import { normalizePrefix } from '../router.js';

const PROBE_TIMEOUT_MS = 30_000;

export interface DjangoFacts {
  readonly prefixes: readonly string[];
  readonly warnings: readonly string[];
  readonly settings: Readonly<Record<string, unknown>>;
  readonly settingsModule?: string;
  /** The settings module's file, and where each setting in `settings` is assigned (for doctor). */
  readonly settingsFile?: string;
  readonly settingLines?: Readonly<Record<string, { readonly file: string; readonly line: number }>>;
  /** The Python error when Django could not be set up; prefixes are then empty. */
  readonly error?: string;
}

export async function discoverDjango(python: string, djangoDir: string, env: Readonly<Record<string, string | undefined>>): Promise<DjangoFacts> {
  const probed = await runPythonProbe<DjangoFacts>(python, 'discover_django', [], { cwd: djangoDir, env, timeoutMs: PROBE_TIMEOUT_MS });
  if ('reason' in probed) return { prefixes: [], warnings: [], settings: {}, error: `${python} could not run the discovery probe: ${probed.reason}` };
  const parsed = probed.value;
  const prefixes = parsed.prefixes.map((prefix) => normalizePrefix(prefix)).filter((prefix) => prefix !== undefined);
  return { ...parsed, prefixes };
}

/** Discovery for config resolution: undefined when the folder holds no Django project. */
export async function discoverInProject(projectDir: string, env: Readonly<Record<string, string | undefined>>): Promise<DjangoFacts | undefined> {
  let djangoDir: string | undefined;
  try {
    djangoDir = findMarker(projectDir, 'manage.py');
  } catch (error) {
    if (error instanceof RdpError) return { prefixes: [], warnings: [], settings: {}, error: error.message };
    throw error;
  }
  return djangoDir === undefined ? undefined : discoverDjango(pythonFor([djangoDir, projectDir], env), djangoDir, env);
}
