// A project as `npx reflex-django-proxy` finds it in a team's checkout: `backend/` holding a copy of
// the Django fixture (manage.py), `frontend/rxconfig.py`, and a `reflex` executable on PATH that is
// the Node stand-in of `reflex run`. Plus what the supervisor tests need to look at its children:
// the processes a proxy started (by parent pid, from /proc), their groups, and whether ports are free.
import { spawn } from 'node:child_process';
import { chmod, cp, mkdir, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, dirname, join, sep } from 'node:path';
import { freshDjangoDb } from './django.js';
import { djangoSiteDir, python, repoRoot } from './paths.js';
import { groupAlive, tempDir, type TeardownHost } from './process.js';
import { CLI } from './proxy.js';
import { signalGroup, waitGroupGone } from '../../src/supervisor/process-group.js';

export const REFLEX_STANDIN_SCRIPT = join(repoRoot, 'examples', 'demo', 'reflex-standin', 'reflex.js');

export interface TestProjectOptions {
  /** `backend/` with manage.py and a migrated DB (default true). */
  django?: boolean;
  /** `frontend/rxconfig.py` (default true). */
  rxconfig?: boolean;
  /** A `reflex` stand-in in a bin dir put first on PATH (default true). */
  reflexOnPath?: boolean;
  /** The Django project copied to `backend/` (default: the django-site fixture). */
  djangoSite?: string;
  /** Replaces the ROOT_URLCONF module of the copy, `<settings package>/urls.py` (for prefix discovery). */
  urlsPy?: string;
}

export interface TestProject {
  /** Give this as --project. */
  readonly dir: string;
  /** Folder holding manage.py (undefined without Django). */
  readonly backendDir: string | undefined;
  /** Folder holding rxconfig.py (undefined without it). */
  readonly frontendDir: string | undefined;
  /** The editable Django sources of the copy. */
  readonly viewsPy: string | undefined;
  readonly urlsPy: string | undefined;
  /** Where the stand-in writes the API URL it was given. */
  readonly envJsonPath: string | undefined;
  readonly dbPath: string | undefined;
  /** Holds the `reflex` stand-in when `reflexOnPath`. */
  readonly binDir: string;
  /** For startProxy: VIRTUAL_ENV (the test venv), PATH, DJANGO_DB_PATH. */
  readonly env: Record<string, string | undefined>;
}

/** The venv holding Django, as $VIRTUAL_ENV for the proxy's interpreter lookup. */
export function testVirtualEnv(): string {
  const repoVenv = join(repoRoot, '.venv');
  return existsSync(join(repoVenv, 'bin', 'python')) ? repoVenv : dirname(dirname(python()));
}

/** $PATH without any folder that holds an executable called `name`. */
export function pathWithout(name: string, path = process.env.PATH ?? ''): string {
  return path
    .split(delimiter)
    .filter((dir) => dir !== '' && !existsSync(join(dir, name)))
    .join(delimiter);
}

/** `site_project` for DJANGO_SETTINGS_MODULE "site_project.settings" in manage.py. */
function settingsPackageOf(djangoDir: string): string {
  const found = /DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([\w]+)\./.exec(readFileSync(join(djangoDir, 'manage.py'), 'utf8'));
  if (!found) throw new Error(`no DJANGO_SETTINGS_MODULE in ${join(djangoDir, 'manage.py')}`);
  return found[1]!;
}

export async function createTestProject(t: TeardownHost, opts: TestProjectOptions = {}): Promise<TestProject> {
  const withDjango = opts.django ?? true;
  const withRxconfig = opts.rxconfig ?? true;
  const reflexOnPath = opts.reflexOnPath ?? true;
  const dir = await tempDir(t, 'rdp-project-');
  // Runs after the proxy's own stop (teardowns run last-in first-out), before the dir is removed.
  killGroupsOnTeardown(t, () => processesIn(dir).map((proc) => proc.pgid));
  const binDir = join(dir, '.bin');
  await mkdir(binDir);

  let backendDir: string | undefined;
  let settingsPackage = '';
  let dbPath: string | undefined;
  if (withDjango) {
    backendDir = join(dir, 'backend');
    await cp(opts.djangoSite ?? djangoSiteDir, backendDir, {
      recursive: true,
      filter: (src) => !src.includes('__pycache__') && !src.endsWith('.sqlite3'),
    });
    settingsPackage = settingsPackageOf(backendDir);
    if (opts.urlsPy !== undefined) await writeFile(join(backendDir, settingsPackage, 'urls.py'), opts.urlsPy);
    dbPath = await freshDjangoDb(t);
  }

  let frontendDir: string | undefined;
  if (withRxconfig) {
    frontendDir = join(dir, 'frontend');
    await mkdir(frontendDir);
    await writeFile(join(frontendDir, 'rxconfig.py'), 'import reflex as rx\n\nconfig = rx.Config(app_name="frontend")\n');
  }

  if (reflexOnPath) {
    const shim = join(binDir, 'reflex');
    await writeFile(shim, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(REFLEX_STANDIN_SCRIPT)} "$@"\n`);
    await chmod(shim, 0o755);
  }
  // Only our stand-in may be found: a `reflex` elsewhere on PATH would make the test about it.
  const basePath = pathWithout('reflex');
  return {
    dir,
    backendDir,
    frontendDir,
    viewsPy: backendDir && join(backendDir, settingsPackage, 'views.py'),
    urlsPy: backendDir && join(backendDir, settingsPackage, 'urls.py'),
    envJsonPath: frontendDir && join(frontendDir, '.web', 'env.json'),
    dbPath,
    binDir,
    env: {
      VIRTUAL_ENV: testVirtualEnv(),
      PATH: reflexOnPath ? `${binDir}${delimiter}${basePath}` : basePath,
      DJANGO_DB_PATH: dbPath,
      // manage.py must pick its own settings module, as in a team's shell.
      DJANGO_SETTINGS_MODULE: undefined,
      PYTHONDONTWRITEBYTECODE: '1',
      STANDIN_BACKEND_DELAY_MS: undefined,
    },
  };
}

export interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  /** R, S, Z, ... */
  readonly state: string;
  readonly cmdline: string;
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return { pid, state: fields[0]!, ppid: Number(fields[1]), pgid: Number(fields[2]), cmdline };
  } catch {
    return undefined; // gone while we looked
  }
}

/** Every live process, from /proc (Linux). */
export function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = readProc(Number(entry));
    if (info) out.push(info);
  }
  return out;
}

/** Live processes whose working directory is `dir` or below it (children started in a project). */
export function processesIn(dir: string): ProcInfo[] {
  return listProcesses().filter((proc) => {
    if (proc.state === 'Z' || proc.pid === process.pid) return false;
    try {
      const cwd = readlinkSync(`/proc/${proc.pid}/cwd`);
      return cwd === dir || cwd.startsWith(dir + sep);
    } catch {
      return false;
    }
  });
}

/** Non-zombie members of process group `pgid`. */
export function groupMembers(pgid: number): ProcInfo[] {
  return listProcesses().filter((proc) => proc.pgid === pgid && proc.state !== 'Z');
}

export interface SupervisedChildren {
  readonly django?: ProcInfo;
  readonly reflex?: ProcInfo;
  readonly watchdog?: ProcInfo;
  /** Everything else the proxy started directly (a --django-cmd / --reflex-cmd script). */
  readonly other: ProcInfo[];
}

/**
 * The proxy's direct children, by parent pid: each supervised child is the leader of its own
 * group, so its pid is its PGID. `names` maps a cmdline substring to a child for custom commands.
 */
export function supervisedChildren(proxyPid: number, names: Record<string, 'django' | 'reflex'> = {}): SupervisedChildren {
  const found: { django?: ProcInfo; reflex?: ProcInfo; watchdog?: ProcInfo; other: ProcInfo[] } = { other: [] };
  for (const proc of listProcesses()) {
    if (proc.ppid !== proxyPid || proc.state === 'Z') continue;
    const named = Object.entries(names).find(([needle]) => proc.cmdline.includes(needle))?.[1];
    if (proc.cmdline.includes('watchdog-main')) found.watchdog = proc;
    else if (named) found[named] = proc;
    else if (proc.cmdline.includes('manage.py')) found.django = proc;
    else if (proc.cmdline.includes(REFLEX_STANDIN_SCRIPT)) found.reflex = proc;
    else found.other.push(proc);
  }
  return found;
}

export { waitGroupGone };

/**
 * Safety net for tests that start a supervising proxy: at teardown, SIGKILL whatever is left of the
 * children's groups (the proxy's own stop should have emptied them; a failed test may not have).
 */
export function killGroupsOnTeardown(t: TeardownHost, pgids: () => Iterable<number>): void {
  t.teardown(async () => {
    for (const pgid of new Set(pgids())) {
      if (pgid === process.pid || pgid <= 1) continue;
      if (!groupAlive(pgid)) continue;
      signalGroup(pgid, 'SIGKILL');
      await waitGroupGone(pgid, 15_000);
    }
  });
}

/** True when a TCP connect to 127.0.0.1:`port` is refused (nothing listens). */
export function portRefuses(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit. */
  readonly ms: number;
}

/**
 * Runs the built CLI to its exit in its own process group (killed at teardown or after
 * `timeoutMs`), with stdout and stderr apart. `env` is merged into a copy of ours without RDP_*.
 */
export function runCli(
  t: TeardownHost,
  args: readonly string[],
  opts: { env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number } = {},
): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('RDP_') || key.startsWith('REFLEX_')) delete env[key];
  for (const [key, value] of Object.entries(opts.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pgid = child.pid;
  const killGroup = (): void => {
    if (pgid === undefined) return;
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  t.teardown(killGroup);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = setTimeout(killGroup, opts.timeoutMs ?? 30_000);
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}
