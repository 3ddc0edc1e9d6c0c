// Real nginx, Caddy and HAProxy (Debian packages) run with a file written by `export`, each as a
// child in its own process group with its own temp prefix, on a free loopback port, stopped by
// process group at teardown.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { ExportServer } from '../../src/export/differences.js';
import { runInProcess } from './cli.js';
import { freePort, spawnManaged, startAndWait, stopOnTeardown, tempDir, waitForHttp, type ManagedProcess, type TeardownHost } from './process.js';
import { startProxy } from './proxy.js';

export const NGINX = '/usr/sbin/nginx';
export const CADDY = '/usr/bin/caddy';
export const HAPROXY = '/usr/sbin/haproxy';

/** Every engine `export` writes a file for, in the order the tests report them. */
export const EXPORT_SERVERS: readonly ExportServer[] = ['nginx', 'caddy', 'haproxy'];

export interface EdgeServer {
  readonly name: ExportServer;
  readonly port: number;
  readonly process: ManagedProcess;
  /** The exported configuration it runs. */
  readonly config: string;
}

const FILE_NAMES: Readonly<Record<ExportServer, string>> = { nginx: 'rdp.conf', caddy: 'Caddyfile', haproxy: 'haproxy.cfg' };

/** `reflex-django-proxy export SERVER ARGS --out FILE`, in-process, as the CLI runs it. */
export async function exportConfig(server: ExportServer, args: readonly string[], dir: string, env: Record<string, string> = {}): Promise<string> {
  const file = join(dir, FILE_NAMES[server]);
  const result = await runInProcess(['export', server, ...args, '--out', file], env, dir);
  if (result.code !== 0) throw new Error(`export ${server} exited ${result.code}: ${result.stderr}`);
  return file;
}

async function serve(t: TeardownHost, name: ExportServer, proc: ManagedProcess, port: number, config: string): Promise<EdgeServer> {
  stopOnTeardown(t, proc);
  await startAndWait(proc, () => waitForHttp(`http://127.0.0.1:${port}/`, 10_000, { process: proc }));
  return { name, port, process: proc, config };
}

/**
 * nginx with the exported file included in a minimal http { } block, as conf.d/ would include it.
 * Only what nginx needs to run unprivileged from a temp prefix is added around it.
 */
export async function startNginx(t: TeardownHost, exported: string, port: number): Promise<EdgeServer> {
  const dir = await tempDir(t, 'rdp-nginx-');
  const conf = await writeNginxMain(dir, exported);
  return serve(t, 'nginx', spawnManaged('nginx', NGINX, ['-p', dir, '-c', conf, '-e', 'stderr'], { cwd: dir }), port, exported);
}

/** The main nginx.conf around an exported file, in `dir`; returns its path. */
export async function writeNginxMain(dir: string, exported: string): Promise<string> {
  // Workers drop to `nobody` when nginx starts as root: they must reach the temp folders.
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'tmp'), { recursive: true });
  const conf = join(dir, 'nginx.conf');
  await writeFile(
    conf,
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      'error_log stderr notice;',
      'events { worker_connections 256; }',
      'http {',
      '    access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `    ${kind}_temp_path ${join(dir, 'tmp', kind)};`),
      `    include ${exported};`,
      '}',
      '',
    ].join('\n'),
  );
  return conf;
}

/**
 * Caddy with the exported Caddyfile, adapted by Caddy itself; only the admin endpoint is turned off
 * (not routing: it would listen on the shared localhost:2019), and Caddy's data and config folders
 * point into the temp folder.
 */
export async function startCaddy(t: TeardownHost, exported: string, port: number): Promise<EdgeServer> {
  const dir = await tempDir(t, 'rdp-caddy-');
  const env = { ...process.env, HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') };
  const adapted = JSON.parse(execFileSync(CADDY, ['adapt', '--config', exported, '--adapter', 'caddyfile'], { env, encoding: 'utf8' })) as Record<string, unknown>;
  adapted.admin = { disabled: true, config: { persist: false } };
  const json = join(dir, 'caddy.json');
  await writeFile(json, JSON.stringify(adapted));
  return serve(t, 'caddy', spawnManaged('caddy', CADDY, ['run', '--config', json], { cwd: dir, env }), port, exported);
}

/** HAProxy running the exported haproxy.cfg as it is, in the foreground (-db). */
export async function startHaproxy(t: TeardownHost, exported: string, port: number): Promise<EdgeServer> {
  const dir = await tempDir(t, 'rdp-haproxy-');
  return serve(t, 'haproxy', spawnManaged('haproxy', HAPROXY, ['-db', '-f', exported], { cwd: dir }), port, exported);
}

const STARTERS: Readonly<Record<ExportServer, typeof startNginx>> = { nginx: startNginx, caddy: startCaddy, haproxy: startHaproxy };

/** `server` running what `export server SETTINGS --port P` writes, on a free port P. */
export async function startExported(t: TeardownHost, server: ExportServer, settings: readonly string[], dir: string): Promise<EdgeServer> {
  const port = await freePort();
  return STARTERS[server](t, await exportConfig(server, [...settings, '--port', String(port)], dir), port);
}

export type Front = 'proxy' | ExportServer;

export interface RunningFront {
  readonly name: Front;
  readonly port: number;
}

/** The proxy and each engine (all by default), every one with the same settings. */
export async function startFronts(t: TeardownHost, settings: readonly string[], servers: readonly ExportServer[] = EXPORT_SERVERS): Promise<RunningFront[]> {
  const dir = await tempDir(t, 'rdp-fronts-');
  const fronts: RunningFront[] = [{ name: 'proxy', port: (await startProxy(t, settings)).port }];
  for (const server of servers) fronts.push({ name: server, port: (await startExported(t, server, settings, dir)).port });
  return fronts;
}
