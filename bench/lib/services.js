// Starting the origins and the proxy under test, each in its own process.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTracked, stop, waitForJsonLine } from './procs.js';

export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = resolve(BENCH_DIR, '..');
export const PROXY_BIN = join(ROOT, 'bin', 'reflex-django-proxy.js');
export const PROXY_DIST = join(ROOT, 'dist', 'cli', 'main.js');
const HOST = '127.0.0.1';

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * `command args` with its soft limit on open files raised to `nofile` (a process holding thousands
 * of sockets needs more than the usual 1,024); undefined leaves the limit alone.
 */
export function withFileLimit(nofile, command, args) {
  if (nofile === undefined) return [command, args];
  return ['/bin/sh', ['-c', 'ulimit -Sn "$0" && exec "$@"', String(nofile), command, ...args]];
}

/** The hard limit on open files this process may raise a child's soft limit to. */
export function hardFileLimit() {
  const text = execFileSync('/bin/sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
  return text === 'unlimited' ? Infinity : Number(text);
}

/** Runs bench/<script> with node; it prints {"ready":true,"port":N} once listening. */
export async function startScript(name, script, args = [], { nofile } = {}) {
  const proc = spawnTracked(name, ...withFileLimit(nofile, process.execPath, [join(BENCH_DIR, script), ...args]));
  try {
    const ready = await waitForJsonLine(proc, (line) => line.ready === true);
    return { name, proc, pid: proc.pid, port: ready.port, url: `http://${HOST}:${ready.port}`, stop: () => stop(proc) };
  } catch (error) {
    await stop(proc);
    throw error;
  }
}

/**
 * The proxy CLI, every upstream flag pointing at `upstream` (each benchmark's origin plays all
 * three parts; only the route under test matters). stdout is a pipe that is drained continuously
 * (one JSON access-log line per request); we wait for its "proxy listening" line.
 */
export async function startProxy({ upstream, logLevel = 'info', nodeArgs = [], bin = PROXY_BIN, nofile, extraArgs = [], env = {} }) {
  if (bin === PROXY_BIN && !existsSync(PROXY_DIST)) {
    throw new Error(`${PROXY_DIST} is missing: build the proxy first (npm run build, or use npm run bench)`);
  }
  const port = await freePort();
  const args = [
    ...nodeArgs,
    bin,
    '--port', String(port),
    '--host', HOST,
    '--django-url', upstream,
    '--reflex-backend-url', upstream,
    '--reflex-frontend-url', upstream,
    '--log-format', 'json',
    '--log-level', logLevel,
    ...extraArgs,
  ];
  const proc = spawnTracked('proxy', ...withFileLimit(nofile, process.execPath, args), { cwd: ROOT, env: { ...process.env, ...env } });
  const scheme = extraArgs.includes('--https') ? 'https' : 'http';
  try {
    // At --log-level warn or above the "proxy listening" line is not printed: wait for the port.
    if (['warn', 'error', 'fatal', 'silent'].includes(logLevel)) await waitForPort(port, proc);
    else await waitForJsonLine(proc, (line) => line.msg === 'proxy listening');
    return { name: 'proxy', proc, pid: proc.pid, port, url: `${scheme}://${HOST}:${port}`, stop: () => stop(proc) };
  } catch (error) {
    await stop(proc);
    throw error;
  }
}

async function waitForPort(port, proc, timeoutMs = 15_000) {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitInfo !== undefined) throw new Error(`proxy exited before listening:\n${proc.stderrTail}`);
    const ok = await new Promise((r) => {
      const socket = connect({ host: HOST, port }, () => {
        socket.destroy();
        r(true);
      });
      socket.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`proxy not listening on ${port} after ${timeoutMs} ms`);
}
