// Our own WebSocket relay (docs/routing.md §3): the client gets 101 only after the upstream's 101, with
// every handshake header, offered subprotocol and extension passed through; then a raw byte pipe
// both ways, so permessage-deflate and message sizes are never touched.
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type ProxyAnswer, proxyAnswer } from './answers.js';
import { RdpError, statusFor } from '../errors.js';
import { clientOrigin, clientResponseHeaders, upstreamRequestHeaders } from './headers.js';
import { RecentUpgrades } from './recent-upgrades.js';
import { ClientGone, dispatch, openRequest } from './hold-and-retry.js';
import type { Upstream } from './upstream.js';
import { CloseCodeReader, closeFrame, GOING_AWAY } from './ws-close-code.js';

/** How long the sides of a closing relay get to finish their close handshake. */
const GOING_AWAY_GRACE_MS = 1_000;

export interface UpgradeForwarderOptions {
  readonly trustProxy: boolean;
  readonly holdTimeoutMs: number;
  readonly logger: Logger;
}

export interface UpgradeForwarder {
  forward(req: IncomingMessage, socket: Duplex, head: Buffer, upstream: Upstream, target: string): void;
  /** Shutdown: a 1001 close frame to both sides where one fits between frames, then the end. */
  closeAll(): Promise<void>;
  readonly recent: RecentUpgrades;
}

function headBlock(status: number, statusMessage: string | undefined, headers: readonly string[]): string {
  let block = `HTTP/1.1 ${status} ${statusMessage || STATUS_CODES[status] || ''}\r\n`;
  for (let i = 0; i < headers.length; i += 2) block += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${block}\r\n`;
}

/** Answers on a socket that left Node's HTTP server: an upgrade that cannot go through. */
export function writeRawAnswer(socket: Duplex, answer: ProxyAnswer): void {
  if (socket.destroyed) return;
  const headers = [...answer.headers, 'Content-Length', String(Buffer.byteLength(answer.body)), 'Connection', 'close'];
  socket.end(headBlock(answer.status, undefined, headers) + answer.body);
}

export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return req.headers.upgrade?.toLowerCase() === 'websocket';
}

export function createUpgradeForwarder(options: UpgradeForwarderOptions): UpgradeForwarder {
  const { logger, trustProxy, holdTimeoutMs } = options;
  /** Each open relay's way to say "going away", resolving once both of its sockets are closed. */
  const open = new Set<() => Promise<void>>();
  const recent = new RecentUpgrades();

  /** `heads`: bytes each side sent along with the handshake, already written across by forward(). */
  function relay(req: IncomingMessage, client: Duplex, upstreamSocket: Duplex, upstream: Upstream, target: string, heads: { client: Buffer; upstream: Buffer }): void {
    const started = performance.now();
    const closeFromClient = new CloseCodeReader();
    const closeFromUpstream = new CloseCodeReader();
    let bytesIn = 0;
    let bytesOut = 0;
    // The side whose close frame came first; the other side's is only the echo of it.
    let firstClose: { by: 'client' | 'upstream' | 'proxy'; code: number } | undefined;
    const fromClient = (chunk: Buffer): void => {
      bytesIn += chunk.length;
      closeFromClient.push(chunk);
      if (firstClose === undefined && closeFromClient.closeCode !== undefined) firstClose = { by: 'client', code: closeFromClient.closeCode };
    };
    const fromUpstream = (chunk: Buffer): void => {
      bytesOut += chunk.length;
      closeFromUpstream.push(chunk);
      if (firstClose === undefined && closeFromUpstream.closeCode !== undefined) firstClose = { by: 'upstream', code: closeFromUpstream.closeCode };
    };
    // The first frames often arrive with the handshake: count them, and keep the readers in step.
    if (heads.upstream.length > 0) fromUpstream(heads.upstream);
    if (heads.client.length > 0) fromClient(heads.client);
    let relaying = true;
    // One 'data' handler per direction that reads and writes on, with pipe()'s backpressure: a
    // second listener beside pipe() would cost an emit per message.
    const forward = (from: Duplex, to: Duplex, observe: (chunk: Buffer) => void): void => {
      from.on('data', (chunk: Buffer) => {
        observe(chunk);
        if (relaying && !to.write(chunk)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
      });
      from.once('end', () => {
        if (relaying) to.end();
      });
    };
    forward(client, upstreamSocket, fromClient);
    forward(upstreamSocket, client, fromUpstream);
    const destroyBoth = (): void => {
      client.destroy();
      upstreamSocket.destroy();
    };
    client.on('error', destroyBoth);
    upstreamSocket.on('error', destroyBoth);
    const closed = new Promise<void>((resolve) => {
      let remaining = 2;
      const onceClosed = (): void => {
        remaining -= 1;
        if (remaining === 0) resolve();
      };
      client.once('close', onceClosed);
      upstreamSocket.once('close', onceClosed);
    });
    const goAway = (): Promise<void> => {
      relaying = false;
      firstClose ??= { by: 'proxy', code: GOING_AWAY };
      if (closeFromUpstream.canInsertFrame) client.write(closeFrame(GOING_AWAY, false));
      if (closeFromClient.canInsertFrame) upstreamSocket.write(closeFrame(GOING_AWAY, true));
      client.end();
      upstreamSocket.end();
      setTimeout(destroyBoth, GOING_AWAY_GRACE_MS).unref();
      return closed;
    };
    open.add(goAway);
    let logged = false;
    const onClose = (): void => {
      destroyBoth();
      if (logged) return;
      logged = true;
      open.delete(goAway);
      logger.info(
        {
          path: target,
          target: upstream.name,
          closeCode: firstClose?.code,
          closedBy: firstClose?.by ?? 'connection',
          bytesIn,
          bytesOut,
          duration: Math.round(performance.now() - started),
        },
        'websocket closed',
      );
    };
    client.once('close', onClose);
    upstreamSocket.once('close', onClose);
    logger.info({ path: target, target: upstream.name, protocol: req.headers['sec-websocket-protocol'] }, 'websocket opened');
  }

  function forward(req: IncomingMessage, client: Duplex, head: Buffer, upstream: Upstream, target: string): void {
    const headers = upstreamRequestHeaders(req, { trustProxy, isWebSocket: true });
    const clientGone = new ClientGone();
    const onEarlyClose = (): void => clientGone.abort();
    client.once('close', onEarlyClose);
    // Until the relay owns it, a client error only means the client is gone.
    client.on('error', onEarlyClose);

    const attempt = (): Promise<void> =>
      new Promise((resolve, reject) => {
        const { request: upstreamRequest, settle, fail } = openRequest(upstream, req.method ?? 'GET', target, headers, clientGone.signal);
        // Answered: from here the relay or the refusal owns the client's close and errors.
        const settled = (): void => {
          settle();
          client.removeListener('close', onEarlyClose);
          client.removeListener('error', onEarlyClose);
          resolve();
        };
        upstreamRequest.once('error', (error: NodeJS.ErrnoException) => reject(fail(error, false)));
        upstreamRequest.once('upgrade', (response, upstreamSocket: Duplex, upstreamHead: Buffer) => {
          settled();
          if (client.destroyed) {
            upstreamSocket.destroy();
            return;
          }
          if (response.headers.upgrade?.toLowerCase() !== 'websocket') {
            upstreamSocket.destroy();
            writeRawAnswer(client, proxyAnswer('RDP_ERR_UPSTREAM_FAILED', `${upstream.name} switched to ${response.headers.upgrade ?? 'no protocol'}, not websocket`, req.headers.accept));
            return;
          }
          const responseHeaders = clientResponseHeaders(response.rawHeaders, upstream.origins, () => clientOrigin(req, trustProxy), true);
          client.write(headBlock(101, response.statusMessage, responseHeaders));
          if (upstreamHead.length > 0) client.write(upstreamHead);
          if (head.length > 0) upstreamSocket.write(head);
          recent.add(req, target, upstream.name, 101);
          relay(req, client, upstreamSocket, upstream, target, { client: head, upstream: upstreamHead });
        });
        upstreamRequest.once('response', (response) => {
          settled();
          if (client.destroyed) {
            response.destroy();
            return;
          }
          // Refused by the upstream: its own status and body, then the connection ends.
          const responseHeaders = clientResponseHeaders(response.rawHeaders, upstream.origins, () => clientOrigin(req, trustProxy));
          client.write(headBlock(response.statusCode ?? 502, response.statusMessage, [...responseHeaders, 'Connection', 'close']));
          response.pipe(client);
          recent.add(req, target, upstream.name, response.statusCode ?? 502);
          logger.info({ path: target, target: upstream.name, statusCode: response.statusCode }, 'websocket refused by upstream');
        });
        upstreamRequest.end();
      });

    dispatch(upstream, { idempotent: true, holdTimeoutMs, clientGone }, attempt).catch((error: RdpError) => {
      if (error.code === 'RDP_ERR_CLIENT_CLOSED') {
        client.destroy();
        return;
      }
      logger.warn({ upstream: upstream.name, path: target, err: error.cause ?? error, code: error.code }, 'websocket upstream unavailable');
      recent.add(req, target, upstream.name, statusFor(error.code));
      writeRawAnswer(client, proxyAnswer(error.code, error.message, req.headers.accept, { upstream: upstream.facts }));
    });
  }

  return {
    forward,
    recent,
    async closeAll() {
      await Promise.all([...open].map((goAway) => goAway()));
    },
  };
}
