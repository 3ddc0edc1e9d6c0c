import { execFile } from 'node:child_process';
import { copyFile, cp } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { request, setCookies } from './http.js';
import { djangoSiteDir, python, pythonEnv } from './paths.js';
import {
  freePort,
  PORT_IN_USE,
  spawnManaged,
  removeTempDir,
  startAndWait,
  tempDir,
  waitForHttp,
  type ManagedProcess,
  type TeardownHost,
} from './process.js';

export const ADMIN_USERNAME = 'admin';
/** Every top-level path of the django-site fixture, as --django-prefix values. */
export const DJANGO_FIXTURE_PREFIXES = Object.freeze(['/admin', '/static', '/cookies', '/stream', '/echo', '/redirect', '/redirect-relative', '/whoami', '/upload-count']);
export const ADMIN_PASSWORD = 'admin-pass-123';

export interface StartDjangoOptions {
  /** Merged into settings.py's globals (via RDP_FIXTURE_SETTINGS), e.g. { SESSION_COOKIE_DOMAIN: 'x' }. */
  settings?: Record<string, unknown>;
  /** An https site's settings (RDP_FIXTURE_HTTPS): Secure cookies, with or without SECURE_PROXY_SSL_HEADER. */
  https?: 'with-ssl-header' | 'no-ssl-header';
  /** Run with the autoreloader. The site is then copied to a temp dir, so a test may edit it. */
  reload?: boolean;
  port?: number;
}

export interface DjangoServer {
  url: string;
  port: number;
  pid: number;
  dbPath: string;
  /** The folder holding manage.py (a private copy when `reload` is on). */
  siteDir: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, env, timeout: 60000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

// Migrating takes a moment and never changes within a run: do it once per test process, then copy.
let templateDb: Promise<string> | undefined;

function migratedTemplate(): Promise<string> {
  templateDb ??= (async () => {
    const dir = await tempDir(undefined, 'rdp-django-template-');
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const dbPath = join(dir, 'db.sqlite3');
    const env = pythonEnv({ DJANGO_DB_PATH: dbPath });
    await run(python(), ['manage.py', 'migrate', '--noinput'], djangoSiteDir, env);
    await run(python(), ['manage.py', 'setup_demo'], djangoSiteDir, env);
    return dbPath;
  })();
  return templateDb;
}

/** A fresh, migrated SQLite DB with the admin user, in a temp dir removed at teardown. */
export async function freshDjangoDb(t: TeardownHost): Promise<string> {
  const dir = await tempDir(t, 'rdp-db-');
  const dbPath = join(dir, 'db.sqlite3');
  await copyFile(await migratedTemplate(), dbPath);
  return dbPath;
}

export async function startDjango(t: TeardownHost, opts: StartDjangoOptions = {}): Promise<DjangoServer> {
  const dir = await tempDir(undefined, 'rdp-django-');
  let proc: ManagedProcess | undefined;
  t.teardown(async () => {
    await proc?.stop();
    await removeTempDir(dir);
  });

  const dbPath = join(dir, 'db.sqlite3');
  await copyFile(await migratedTemplate(), dbPath);
  let siteDir = djangoSiteDir;
  if (opts.reload) {
    siteDir = join(dir, 'site');
    await cp(djangoSiteDir, siteDir, {
      recursive: true,
      filter: (src) => !src.includes('__pycache__') && !src.endsWith('.sqlite3'),
    });
  }
  const env = pythonEnv({
    DJANGO_DB_PATH: dbPath,
    RDP_FIXTURE_SETTINGS: opts.settings ? JSON.stringify(opts.settings) : undefined,
    RDP_FIXTURE_HTTPS: opts.https === undefined ? undefined : opts.https === 'with-ssl-header' ? '1' : 'no-ssl-header',
  });

  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    const args = ['manage.py', 'runserver', `127.0.0.1:${port}`];
    if (!opts.reload) args.push('--noreload');
    const current = spawnManaged('django', python(), args, { cwd: siteDir, env });
    proc = current;
    const url = `http://127.0.0.1:${port}`;
    try {
      await startAndWait(current, () => waitForHttp(`${url}/`, 30000, { process: current }));
    } catch (err) {
      if (opts.port === undefined && attempt < 3 && PORT_IN_USE.test(current.output())) continue;
      throw err;
    }
    return { url, port, pid: current.pid, dbPath, siteDir, process: current, stop: () => current.stop() };
  }
}

export interface DjangoLogin {
  sessionid: string;
  csrftoken: string;
  /** Ready for a Cookie header: `csrftoken=...; sessionid=...`. */
  cookie: string;
}

/**
 * Log in through /admin/login/ like a browser: csrftoken cookie + form token, Origin header.
 * `baseUrl` may be Django itself or a proxy in front of it; `origin` defaults to baseUrl's origin.
 */
export async function djangoAdminLogin(
  baseUrl: string,
  opts: { origin?: string; headers?: Record<string, string>; username?: string; password?: string; ca?: string } = {},
): Promise<DjangoLogin> {
  const base = baseUrl.replace(/\/$/, '');
  const tls = opts.ca === undefined ? {} : { ca: opts.ca };
  const page = await request(`${base}/admin/login/`, { headers: opts.headers, ...tls });
  const csrftoken = setCookies(page).csrftoken;
  const formToken = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(page.text())?.[1];
  if (page.status !== 200 || !csrftoken || !formToken) {
    throw new Error(`GET /admin/login/ gave ${page.status} without a CSRF token:\n${page.text().slice(0, 500)}`);
  }
  const form = new URLSearchParams({
    csrfmiddlewaretoken: formToken,
    username: opts.username ?? ADMIN_USERNAME,
    password: opts.password ?? ADMIN_PASSWORD,
    next: '/admin/',
  }).toString();
  const res = await request(`${base}/admin/login/?next=/admin/`, {
    method: 'POST',
    headers: {
      ...opts.headers,
      Cookie: `csrftoken=${csrftoken}`,
      Origin: opts.origin ?? new URL(base).origin,
      'Content-Type': 'application/x-www-form-urlencoded',
      'Content-Length': String(Buffer.byteLength(form)),
    },
    body: form,
    ...tls,
  });
  const cookies = setCookies(res);
  const sessionid = cookies.sessionid;
  if (res.status !== 302 || !sessionid) {
    throw new Error(`POST /admin/login/ gave ${res.status} without a sessionid:\n${res.text().slice(0, 500)}`);
  }
  const newCsrf = cookies.csrftoken ?? csrftoken;
  return { sessionid, csrftoken: newCsrf, cookie: `csrftoken=${newCsrf}; sessionid=${sessionid}` };
}
