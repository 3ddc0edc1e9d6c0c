// What the --https tests need around the proxy: a private cache directory for the local CA (so no
// test touches the user's), an HTTP/2 client, and a browser HOME whose NSS database trusts the CA
// exactly as the command the proxy prints for Chromium on Linux does.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { connect, constants, type IncomingHttpHeaders } from 'node:http2';
import { join } from 'node:path';
import { trustCommands } from '../../src/tls/trust-commands.js';
import { tempDir, type TeardownHost } from './process.js';

export interface LocalCaDir {
  /** Give it as XDG_CACHE_HOME to the proxy (and verify). */
  readonly xdgCacheHome: string;
  readonly caPath: string;
  /** The CA certificate, once the proxy has made it. */
  ca(): string;
}

export async function localCaDir(t: TeardownHost): Promise<LocalCaDir> {
  const xdgCacheHome = await tempDir(t, 'rdp-xdg-cache-');
  const caPath = join(xdgCacheHome, 'reflex-django-proxy', 'tls', 'ca.pem');
  return { xdgCacheHome, caPath, ca: () => readFileSync(caPath, 'utf8') };
}

export interface H2Response {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  text(): string;
}

/** One request over a fresh HTTP/2 connection (ALPN h2 only), trusting `ca`; `path` is sent as given. */
export function h2Request(origin: string, path: string, opts: { ca: string; method?: string; headers?: Record<string, string | string[]>; body?: string }): Promise<H2Response> {
  return new Promise((resolve, reject) => {
    const session = connect(origin, { ca: opts.ca });
    session.on('error', reject);
    // Browsers send a Content-Length with a body of known size over HTTP/2 too.
    const length = opts.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(opts.body)) };
    const stream = session.request({ [constants.HTTP2_HEADER_METHOD]: opts.method ?? 'GET', [constants.HTTP2_HEADER_PATH]: path, ...length, ...opts.headers }, { endStream: opts.body === undefined });
    let headers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (received) => (headers = received));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', reject);
    stream.on('end', () => {
      session.close();
      const body = Buffer.concat(chunks);
      resolve({ status: Number(headers[constants.HTTP2_HEADER_STATUS]), headers, body, text: () => body.toString('utf8') });
    });
    stream.end(opts.body);
  });
}

/**
 * A HOME for Chromium whose NSS database trusts the CA: the database is created, then the CA added
 * with the very command the proxy prints for Chromium on Linux ($HOME pointing here).
 */
export async function chromiumHomeTrusting(t: TeardownHost, caPath: string): Promise<string> {
  const home = await tempDir(t, 'rdp-chromium-home-');
  const db = join(home, '.pki', 'nssdb');
  mkdirSync(db, { recursive: true });
  execFileSync('certutil', ['-d', `sql:${db}`, '-N', '--empty-password']);
  const chromium = trustCommands(caPath, 'linux').find((entry) => entry.trustedBy.startsWith('Chrome'))!;
  execFileSync('sh', ['-c', chromium.command], { env: { ...process.env, HOME: home } });
  return home;
}
