// Real nginx and Caddy (Debian packages) run with a file written by `export`, each as a child in
// its own process group with its own temp prefix, on a free loopback port, stopped by process
// group at teardown.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { run } from '../../src/cli/main.js';
import { spawnManaged, startAndWait, stopOnTeardown, tempDir, waitForHttp, type ManagedProcess, type TeardownHost } from './process.js';

export const NGINX = '/usr/sbin/nginx';
export const CADDY = '/usr/bin/caddy';

export interface EdgeServer {
  readonly name: 'nginx' | 'caddy';
  readonly port: number;
  readonly process: ManagedProcess;
  /** The exported configuration it runs. */
  readonly config: string;
}

function collector(): Writable & { text(): string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  return Object.assign(stream, { text: () => Buffer.concat(chunks).toString('utf8') });
}

/** `reflex-django-proxy export SERVER ARGS --out FILE`, in-process, as the CLI runs it. */
export async function exportConfig(server: 'nginx' | 'caddy', args: readonly string[], dir: string, env: Record<string, string> = {}): Promise<string> {
  const file = join(dir, server === 'nginx' ? 'rdp.conf' : 'Caddyfile');
  const stdout = collector();
  const stderr = collector();
  const code = await run(['export', server, ...args, '--out', file], { env: { PATH: process.env.PATH, ...env }, cwd: dir, stdout, stderr });
  if (code !== 0) throw new Error(`export ${server} exited ${code}: ${stderr.text()}`);
  return file;
}

/**
 * nginx with the exported file included in a minimal http { } block, as conf.d/ would include it.
 * Only what nginx needs to run unprivileged from a temp prefix is added around it.
 */
export async function startNginx(t: TeardownHost, exported: string, port: number): Promise<EdgeServer> {
  const dir = await tempDir(t, 'rdp-nginx-');
  const conf = await writeNginxMain(dir, exported);
  const proc = spawnManaged('nginx', NGINX, ['-p', dir, '-c', conf, '-e', 'stderr'], { cwd: dir });
  stopOnTeardown(t, proc);
  await startAndWait(proc, () => waitForHttp(`http://127.0.0.1:${port}/`, 10_000, { process: proc }));
  return { name: 'nginx', port, process: proc, config: exported };
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
  const proc = spawnManaged('caddy', CADDY, ['run', '--config', json], { cwd: dir, env });
  stopOnTeardown(t, proc);
  await startAndWait(proc, () => waitForHttp(`http://127.0.0.1:${port}/`, 10_000, { process: proc }));
  return { name: 'caddy', port, process: proc, config: exported };
}
