import { freshDjangoDb } from './django.js';
import { python, pythonEnv, reflexStandinDir } from './paths.js';
import {
  freePort,
  PORT_IN_USE,
  spawnManaged,
  startAndWait,
  waitForHttp,
  type ManagedProcess,
  type TeardownHost,
} from './process.js';

export interface StartReflexStandinOptions {
  /** The Django DB to resolve sessions from (share it with startDjango's dbPath). Default: a fresh one. */
  dbPath?: string;
  /** Origins the Socket.IO server accepts; default any. */
  allowedOrigins?: string[];
  /** A fixed port, e.g. to restart the stand-in where it was. */
  port?: number;
  /** REFLEX_BACKEND_PATH: every route under it (Reflex ≥ 0.9). */
  backendPath?: string;
  /** A page uses rx.upload, so /_upload exists (default true); false answers 404 text/plain as real Reflex does. */
  uploads?: boolean;
  /** REFLEX_ADD_ALL_ROUTES_ENDPOINT: /_all_routes exists. */
  allRoutes?: boolean;
  /** `reflex run --env prod|preview`: the app's pages on the backend port too. */
  singlePort?: boolean;
  env?: Record<string, string>;
}

export interface ReflexStandin {
  url: string;
  port: number;
  pid: number;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startReflexStandin(t: TeardownHost, opts: StartReflexStandinOptions = {}): Promise<ReflexStandin> {
  const dbPath = opts.dbPath ?? (await freshDjangoDb(t));
  let proc: ManagedProcess | undefined;
  t.teardown(() => proc?.stop());
  const env = pythonEnv({
    ...opts.env,
    DJANGO_DB_PATH: dbPath,
    STANDIN_ALLOWED_ORIGINS: opts.allowedOrigins?.join(','),
    REFLEX_BACKEND_PATH: opts.backendPath,
    STANDIN_UPLOADS: opts.uploads === false ? '0' : '1',
    REFLEX_ADD_ALL_ROUTES_ENDPOINT: opts.allRoutes === true ? '1' : undefined,
    STANDIN_SINGLE_PORT: opts.singlePort === true ? '1' : undefined,
  });
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    // wsproto is the implementation that honours the subprotocol in websocket.accept here
    // (the `websockets` package is not installed; naming it keeps `auto` from changing under us).
    const args = ['-m', 'uvicorn', 'app:app', '--host', '127.0.0.1', '--port', String(port), '--ws', 'wsproto'];
    const current = spawnManaged('reflex-standin', python(), args, { cwd: reflexStandinDir, env });
    proc = current;
    const url = `http://127.0.0.1:${port}`;
    try {
      await startAndWait(current, () =>
        waitForHttp(`${url}${opts.backendPath ?? ''}/ping`, 30000, { process: current, accept: (status) => status === 200 }),
      );
    } catch (err) {
      if (opts.port === undefined && attempt < 3 && PORT_IN_USE.test(current.output())) continue;
      throw err;
    }
    return { url, port, pid: current.pid, process: current, stop: () => current.stop() };
  }
}
