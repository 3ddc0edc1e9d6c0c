import { join } from 'node:path';
import WebSocket from 'ws';
import { request } from './http.js';
import { repoRoot, viteFrontendDir } from './paths.js';
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

export interface StartViteOptions {
  port?: number;
  /** Extra environment, e.g. __VITE_ADDITIONAL_SERVER_ALLOWED_HOSTS. */
  env?: Record<string, string>;
}

export interface ViteServer {
  url: string;
  port: number;
  pid: number;
  process: ManagedProcess;
  stop(): Promise<void>;
}

const viteBin = join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');

export async function startVite(t: TeardownHost, opts: StartViteOptions = {}): Promise<ViteServer> {
  // Vite's default cache is the repo's node_modules/.vite; parallel test files would race on it.
  const cacheDir = await tempDir(undefined, 'rdp-vite-');
  let proc: ManagedProcess | undefined;
  t.teardown(async () => {
    await proc?.stop();
    await removeTempDir(cacheDir);
  });
  const env = { ...process.env, ...opts.env, RDP_VITE_CACHE_DIR: cacheDir };
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    const args = [viteBin, '--port', String(port), '--strictPort', '--host', '127.0.0.1'];
    const current = spawnManaged('vite', process.execPath, args, { cwd: viteFrontendDir, env });
    proc = current;
    const url = `http://127.0.0.1:${port}`;
    try {
      await startAndWait(current, () => waitForHttp(`${url}/`, 30000, { process: current }));
    } catch (err) {
      if (opts.port === undefined && attempt < 3 && PORT_IN_USE.test(current.output())) continue;
      throw err;
    }
    return { url, port, pid: current.pid, process: current, stop: () => current.stop() };
  }
}

/**
 * The token Vite's HMR socket requires (`/?token=<t>`, subprotocol `vite-hmr`). Vite 8 has no API
 * for it: the dev server inlines it into /@vite/client as `const wsToken = "<t>";`.
 */
export async function viteHmrToken(baseUrl: string, headers?: Record<string, string>): Promise<string> {
  const res = await request(`${baseUrl.replace(/\/$/, '')}/@vite/client`, { headers });
  const token = /const wsToken = "([^"]+)"/.exec(res.text())?.[1];
  if (res.status !== 200 || !token) {
    throw new Error(`no HMR token in /@vite/client (status ${res.status})`);
  }
  return token;
}

export type HmrOutcome = { opened: true; protocol: string; first: string } | { opened: false; status: number };

/** Vite's HMR handshake at `baseUrl` (the dev server, or a front before it): the first message when it opens, the HTTP status when not. */
export function viteHmr(baseUrl: string, token: string): Promise<HmrOutcome> {
  const origin = baseUrl.replace(/\/$/, '');
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}/?token=${encodeURIComponent(token)}`, ['vite-hmr'], { origin });
    ws.once('message', (data: Buffer) => {
      resolve({ opened: true, protocol: ws.protocol, first: data.toString() });
      ws.close();
    });
    ws.once('unexpected-response', (req, res) => {
      req.destroy();
      resolve({ opened: false, status: res.statusCode ?? 0 });
    });
    ws.once('close', (code) => reject(new Error(`closed (${code}) without a message`)));
    ws.once('error', reject);
  });
}
