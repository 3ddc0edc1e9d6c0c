// Doctor's reading of a project, starting nothing: the Django settings through the discovery probe
// (the project's interpreter imports them, as runserver would), rxconfig.py through `ast`, and the
// .web/env.json Reflex last wrote.
import { isAbsolute, join, relative } from 'node:path';
import { discoverDjango } from '../project/discover-django.js';
import { RdpError } from '../errors.js';
import { findMarker, pythonFor } from '../project/detect.js';
import { readEnvJson } from '../project/env-json.js';
import type { Finding, Location } from './finding.js';
import type { DoctorInput } from './input.js';
import { diagnose } from './rules.js';
import { readRxconfig } from './rxconfig.js';

/** The proxy's own settings the rules judge with, and where to read the project. */
interface ExamineOptions extends Pick<DoctorInput, 'publicUrl' | 'trustProxy' | 'servesTls' | 'reflexStartedByProxy' | 'eventPath' | 'frontendIsDirectory'> {
  readonly project: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface DoctorReport {
  readonly project: string;
  readonly publicUrl: string;
  readonly django: { readonly settingsModule: string | null; readonly settingsFile: string | null; readonly python: string };
  /** null when the project has no rxconfig.py. */
  readonly rxconfig: { readonly file: string; readonly notes: readonly string[]; readonly error: string | null } | null;
  readonly findings: readonly Finding[];
}

/** Paths as the user will click them: relative to the working directory when inside it. */
function displayPath(path: string, cwd: string): string {
  const inside = relative(cwd, path);
  return inside === '' || inside.startsWith('..') || isAbsolute(inside) ? path : inside;
}

export async function examineProject(options: ExamineOptions): Promise<DoctorReport> {
  const { project, cwd, env, ...proxySettings } = options;
  const djangoDir = findMarker(project, 'manage.py');
  if (djangoDir === undefined) {
    throw new RdpError('RDP_ERR_PROJECT', `no manage.py in ${project} or one level below; run doctor in your project or point --project at it`);
  }
  const reflexDir = findMarker(project, 'rxconfig.py');
  const python = pythonFor([djangoDir, project], env);
  const rxPython = reflexDir === undefined ? python : pythonFor([reflexDir, project], env);
  const [facts, rx] = await Promise.all([
    discoverDjango(python, djangoDir, env),
    reflexDir === undefined ? undefined : readRxconfig(rxPython, join(reflexDir, 'rxconfig.py'), env),
  ]);
  if (facts.error !== undefined) {
    throw new RdpError('RDP_ERR_DJANGO_SETTINGS', `the Django settings of ${join(djangoDir, 'manage.py')} cannot be loaded with ${python}: ${facts.error}; install the project's requirements into that interpreter, or set VIRTUAL_ENV to the project's venv`);
  }
  const show = (path: string) => displayPath(path, cwd);
  const locations: Record<string, Location> = {};
  for (const [name, where] of Object.entries(facts.settingLines ?? {})) locations[name] = { file: show(where.file), line: where.line };
  const settingsFile = facts.settingsFile === undefined ? null : show(facts.settingsFile);
  const rxFile = rx === undefined ? null : show(rx.file);
  const envJson = reflexDir === undefined ? undefined : readEnvJson(join(reflexDir, '.web', 'env.json'));
  const findings = diagnose({
    ...proxySettings,
    viteExtraHost: env.__VITE_ADDITIONAL_SERVER_ALLOWED_HOSTS,
    django: { settings: facts.settings, locations, settingsFile },
    rxconfig: rx === undefined || rxFile === null || rx.error !== undefined ? null : { file: rxFile, callLine: rx.callLine, keywords: rx.keywords },
    envJson: envJson?.kind === 'ok' ? { ...envJson.envJson, file: show(envJson.file) } : null,
  });
  return {
    project,
    publicUrl: options.publicUrl,
    django: { settingsModule: facts.settingsModule ?? null, settingsFile, python },
    rxconfig: rx === undefined || rxFile === null ? null : { file: rxFile, notes: rx.notes, error: rx.error ?? null },
    findings,
  };
}
