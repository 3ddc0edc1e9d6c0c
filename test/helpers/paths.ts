import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixturesDir = join(repoRoot, 'test', 'fixtures');
export const djangoSiteDir = join(fixturesDir, 'django-site');
export const reflexStandinDir = join(fixturesDir, 'reflex-standin');
export const viteFrontendDir = join(fixturesDir, 'vite-frontend');

/** The Python that has Django and python-socketio: $RDP_TEST_PYTHON, else <repo>/.venv/bin/python. */
export function python(): string {
  const fromEnv = process.env.RDP_TEST_PYTHON;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`RDP_TEST_PYTHON=${fromEnv} does not exist`);
    return fromEnv;
  }
  const venv = join(repoRoot, '.venv', 'bin', 'python');
  if (existsSync(venv)) return venv;
  throw new Error(
    `No Python for the test fixtures: set RDP_TEST_PYTHON, or create ${venv} ` +
      '(python3 -m venv --system-site-packages .venv && .venv/bin/pip install "django>=4.2", ' +
      'with python-socketio, uvicorn and wsproto available).',
  );
}

/** Environment for the Python fixtures: unbuffered output so failures show their last lines. */
export function pythonEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' };
  // An inherited value would point manage.py and the stand-in at another project.
  env.DJANGO_SETTINGS_MODULE = 'site_project.settings';
  delete env.RDP_FIXTURE_SETTINGS;
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}
