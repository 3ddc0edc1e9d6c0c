// A recording upstream: a tiny HTTP + WebSocket-handshake server that answers every request with
// its own name and the request target exactly as it arrived, so a test can tell which upstream a
// front server (the proxy, nginx, Caddy, HAProxy) sent a request to and what it forwarded. It also
// counts body bytes as they arrive and can hold a response open, so a test can tell a front that
// streams from one that buffers.
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import type { TeardownHost } from './process.js';

export const UPSTREAM_HEADER = 'x-upstream';
/** base64 of the raw request target: any byte a front server forwards survives a header. */
export const TARGET_HEADER = 'x-recorded-target';
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface Recorder {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  /** Request body bytes received so far, over every request, counted as they arrive. */
  received(): number;
  /** Ends the responses held open (targets with rdp-hold=1), which sent only their first line. */
  release(): void;
  close(): Promise<void>;
}

export interface RecordedRequest {
  readonly upstream: string;
  readonly method: string;
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
}

function encodeTarget(target: string): string {
  return Buffer.from(target, 'latin1').toString('base64');
}

export async function startRecorder(t: TeardownHost, name: string, options: { port?: number } = {}): Promise<Recorder> {
  const sockets = new Set<Socket | Duplex>();
  const held = new Set<ServerResponse>();
  let received = 0;
  const server: Server = createServer((req, res) => {
    let bodyBytes = 0;
    req.on('data', (chunk: Buffer) => {
      bodyBytes += chunk.length;
      received += chunk.length;
    });
    req.on('end', () => {
      const record: RecordedRequest & { bodyBytes: number } = {
        upstream: name,
        method: req.method ?? '',
        target: req.url ?? '',
        headers: req.headers,
        bodyBytes,
      };
      const headers: Record<string, string> = {
        [UPSTREAM_HEADER]: name,
        [TARGET_HEADER]: encodeTarget(record.target),
        'content-type': 'application/json',
      };
      // Lets a test check that a Location naming the upstream's own origin is moved to the client's.
      if (record.target.includes('rdp-location=1')) {
        headers.location = `http://127.0.0.1:${(server.address() as AddressInfo).port}/elsewhere`;
        res.writeHead(302, headers).end(JSON.stringify(record));
        return;
      }
      if (record.target.includes('rdp-hold=1')) {
        res.writeHead(200, { ...headers, 'content-type': 'text/plain' }).write('first\n');
        held.add(res);
        return;
      }
      res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : JSON.stringify(record));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (req, socket: Duplex) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    const key = req.headers['sec-websocket-key'];
    if (typeof key !== 'string' || req.headers.upgrade?.toLowerCase() !== 'websocket') {
      // Named, so a test tells "this upstream refused it" from "the front refused it".
      socket.end(`HTTP/1.1 400 Bad Request\r\n${UPSTREAM_HEADER}: ${name}\r\n${TARGET_HEADER}: ${encodeTarget(req.url ?? '')}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const accept = createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\n${UPSTREAM_HEADER}: ${name}\r\n${TARGET_HEADER}: ${encodeTarget(req.url ?? '')}\r\n\r\n`,
    );
    // Held open until the client (or the front server) closes it.
    socket.resume();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const release = (): void => {
    for (const res of held) res.end('last\n');
    held.clear();
  };
  const close = async (): Promise<void> => {
    release();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  t.teardown(close);
  return { name, url: `http://127.0.0.1:${port}`, port, received: () => received, release, close };
}

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The recorder that answered, if one did. */
  readonly upstream: string | undefined;
  /** The target that recorder received, byte for byte. */
  readonly forwarded: string | undefined;
  readonly body: string;
}

export interface SendOptions {
  readonly method?: string;
  /** A WebSocket handshake (true), or an upgrade to the protocol named. */
  readonly upgrade?: boolean | string;
  /** The handshake's Sec-WebSocket-Key, if not a valid one. */
  readonly websocketKey?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Gunzip a body sent with Content-Encoding: gzip. */
  readonly decompress?: boolean;
}

/**
 * One request with the target written on the request line as given: node's `path` option is sent
 * unparsed, so `//admin/`, `/x/../admin/` and `/%zz` reach the server as they are (a URL string
 * would be normalised by WHATWG URL parsing first). An upgrade resolves on the 101 or the refusal.
 */
export function send(port: number, target: string, options: SendOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { host: `127.0.0.1:${port}`, ...options.headers };
  if (options.upgrade !== undefined && options.upgrade !== false) {
    Object.assign(headers, {
      connection: 'Upgrade',
      upgrade: options.upgrade === true ? 'websocket' : options.upgrade,
      'sec-websocket-version': '13',
      'sec-websocket-key': options.websocketKey ?? Buffer.from('rdp-parity-key!!').toString('base64'),
    });
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: target, headers, agent: false });
    const answer = (status: number, responseHeaders: IncomingHttpHeaders, body: string): Answer => {
      const recorded = responseHeaders[TARGET_HEADER];
      return {
        status,
        headers: responseHeaders,
        upstream: typeof responseHeaders[UPSTREAM_HEADER] === 'string' ? responseHeaders[UPSTREAM_HEADER] : undefined,
        forwarded: typeof recorded === 'string' ? Buffer.from(recorded, 'base64').toString('latin1') : undefined,
        body,
      };
    };
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout: ${options.method ?? 'GET'} ${target}`)));
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(answer(res.statusCode ?? 0, res.headers, ''));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const body = options.decompress === true && res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        resolve(answer(res.statusCode ?? 0, res.headers, body.toString('utf8')));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
