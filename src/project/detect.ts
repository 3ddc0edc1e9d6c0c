// Finding the team's Django and Reflex apps and the interpreters that run them (docs/upstreams.md): the
// directory itself or one level below, the project's own venv before anything on PATH.
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, relative, resolve } from 'node:path';
import { RdpError } from '../errors.js';

interface Project {
  readonly root: string;
  /** Folder holding manage.py, when Django is to be started or discovered. */
  readonly djangoDir: string | undefined;
  /** Folder holding rxconfig.py, when Reflex is to be started. */
  readonly reflexDir: string | undefined;
  readonly python: string;
  readonly reflex: string | undefined;
}

const SKIPPED_DIRS = new Set(['node_modules', '.venv', 'venv', '.web', '__pycache__', '.git', 'dist', 'build']);
const VENV_NAMES = ['.venv', 'venv'];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The folder holding `file`: `root` itself, or exactly one of its direct subfolders. */
export function findMarker(root: string, file: string): string | undefined {
  if (existsSync(join(root, file))) return root;
  let entries: string[];
  try {
    entries = readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && !SKIPPED_DIRS.has(entry.name))
      .map((entry) => entry.name)
      .sort();
  } catch {
    throw new RdpError('RDP_ERR_PROJECT', `--project: ${root} is not a readable directory; give the folder holding manage.py and rxconfig.py`);
  }
  const found = entries.filter((name) => existsSync(join(root, name, file)));
  if (found.length > 1) {
    throw new RdpError('RDP_ERR_PROJECT', `--project: ${file} found in ${found.map((name) => `${name}/`).join(' and ')} under ${root}; give the one to use with --project`);
  }
  return found.length === 1 ? join(root, found[0]!) : undefined;
}

function onPath(name: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function venvCandidates(dirs: ReadonlyArray<string | undefined>, env: Readonly<Record<string, string | undefined>>): string[] {
  const venvs = env.VIRTUAL_ENV === undefined || env.VIRTUAL_ENV === '' ? [] : [env.VIRTUAL_ENV];
  for (const dir of dirs) if (dir !== undefined) for (const name of VENV_NAMES) venvs.push(join(dir, name));
  return [...new Set(venvs)];
}

/** The project's interpreter: its venv's python, else python3 on PATH (docs/upstreams.md). */
function findPython(venvs: readonly string[], env: Readonly<Record<string, string | undefined>>): string {
  return venvs.map((venv) => join(venv, 'bin', 'python')).find(isExecutable) ?? onPath('python3', env) ?? 'python3';
}

export function pythonFor(dirs: readonly string[], env: Readonly<Record<string, string | undefined>>): string {
  return findPython(venvCandidates(dirs, env), env);
}

interface DetectOptions {
  readonly dir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly needDjango: boolean;
  readonly needReflex: boolean;
  /** --reflex-cmd given: the user names the command, no executable is looked up. */
  readonly reflexCommandGiven: boolean;
}

export function detectProject(options: DetectOptions): Project {
  const root = resolve(options.dir);
  const djangoDir = findMarker(root, 'manage.py');
  const reflexDir = findMarker(root, 'rxconfig.py');
  if (options.needDjango && djangoDir === undefined) {
    throw new RdpError(
      'RDP_ERR_PROJECT',
      `no manage.py in ${root} or one level below; run in your project, point --project at it, or give --django-url for a Django that is already running`,
    );
  }
  if (options.needReflex && reflexDir === undefined) {
    throw new RdpError(
      'RDP_ERR_PROJECT',
      `no rxconfig.py in ${root} or one level below; run in your project, point --project at it, or give --reflex-backend-url and --reflex-frontend-url for a Reflex that is already running`,
    );
  }
  const venvs = venvCandidates([djangoDir, reflexDir, root], options.env);
  const python = findPython(venvs, options.env);
  const venvReflex = venvs.map((venv) => join(venv, 'bin', 'reflex'));
  const reflex = venvReflex.find(isExecutable) ?? onPath('reflex', options.env);
  if (options.needReflex && !options.reflexCommandGiven && reflex === undefined) {
    // Inside the project a relative path reads best; $VIRTUAL_ENV elsewhere is named as it is.
    const looked = venvReflex
      .map((path) => {
        const inside = relative(root, path);
        return inside === '' || inside.startsWith('..') || isAbsolute(inside) ? path : inside;
      })
      .join(', ');
    throw new RdpError(
      'RDP_ERR_PROJECT',
      `no reflex executable: looked in ${looked} and on PATH; install Reflex in the project's venv, or give --reflex-cmd, or --reflex-backend-url and --reflex-frontend-url for a running Reflex`,
    );
  }
  return { root, djangoDir, reflexDir, python, reflex };
}
