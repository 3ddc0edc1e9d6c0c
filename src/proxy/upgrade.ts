// The WebSocket handshake (docs/routing.md §3): the client gets 101 only after the upstream's 101,
// with every handshake header, offered subprotocol and extension passed through; an upstream's
// refusal reaches the client as its own HTTP answer. The bytes that follow are relay.ts's.
import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { headBlock, proxyAnswer, writeRawAnswer } from './answers.js';
import { RdpError, statusFor } from '../errors.js';
import { clientOrigin, clientResponseHeaders, upstreamRequestHeaders } from './headers.js';
import { AttemptError, ClientGone, dispatch } from './hold-and-retry.js';
import type { OpenRelays } from './open-relays.js';
import type { RecentUpgrades } from './recent-upgrades.js';
import { relay } from './relay.js';
import type { Upstream } from './upstream.js';

export interface UpgradeForwarderOptions {
  readonly trustProxy: boolean;
  readonly holdTimeoutMs: number;
  readonly logger: Logger;
  readonly openRelays: OpenRelays;
  readonly recent: RecentUpgrades;
}

export type UpgradeForwarder = (req: IncomingMessage, client: Duplex, head: Buffer, upstream: Upstream, target: string) => void;

export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return req.headers.upgrade?.toLowerCase() === 'websocket';
}

interface OpenedRequest {
  readonly request: ClientRequest;
  /** The attempt is over (answered, or failed): the client leaving no longer destroys it. */
  settle(): void;
  /** Rejects the attempt with `error`, saying whether request body bytes had left. */
  fail(error: NodeJS.ErrnoException, bodySent: boolean): AttemptError;
}

/**
 * One attempt's handshake request to `upstream`, destroyed if the client leaves before it is
 * settled. Errors after settling belong to the upgraded socket or the refusal's body, handled by
 * their owner: never an unhandled 'error'.
 */
function openRequest(upstream: Upstream, method: string, target: string, headers: string[], clientGone: AbortSignal): OpenedRequest {
  const opened = request({ host: upstream.hostname, port: upstream.port, method, path: target, headers, agent: upstream.agent });
  const destroy = (): void => {
    opened.destroy();
  };
  clientGone.addEventListener('abort', destroy, { once: true });
  const settle = (): void => {
    clientGone.removeEventListener('abort', destroy);
    opened.removeAllListeners('error');
    opened.on('error', () => {});
  };
  return {
    request: opened,
    settle,
    fail(error, bodySent) {
      settle();
      return new AttemptError(error, bodySent);
    },
  };
}

/** One client's handshake, from the upgrade request to the upstream's answer. */
interface Handshake {
  readonly req: IncomingMessage;
  readonly client: Duplex;
  /** Bytes the client sent after its request head. */
  readonly head: Buffer;
  readonly upstream: Upstream;
  readonly target: string;
}

export function createUpgradeForwarder(options: UpgradeForwarderOptions): UpgradeForwarder {
  const { logger, trustProxy, holdTimeoutMs, openRelays, recent } = options;

  /** The upstream switched protocols: the same 101 to the client, then the relay. */
  function switched(handshake: Handshake, response: IncomingMessage, upstreamSocket: Duplex, upstreamHead: Buffer): void {
    const { req, client, head, upstream, target } = handshake;
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
    relay({ client, upstream: upstreamSocket, clientHead: head, upstreamHead }, { path: target, target: upstream.name }, logger, openRelays);
    logger.info({ path: target, target: upstream.name, protocol: req.headers['sec-websocket-protocol'] }, 'websocket opened');
  }

  /** Refused by the upstream: its own status and body, then the connection ends. */
  function refused(handshake: Handshake, response: IncomingMessage): void {
    const { req, client, upstream, target } = handshake;
    if (client.destroyed) {
      response.destroy();
      return;
    }
    const responseHeaders = clientResponseHeaders(response.rawHeaders, upstream.origins, () => clientOrigin(req, trustProxy));
    client.write(headBlock(response.statusCode ?? 502, response.statusMessage, [...responseHeaders, 'Connection', 'close']));
    response.pipe(client);
    recent.add(req, target, upstream.name, response.statusCode ?? 502);
    logger.info({ path: target, target: upstream.name, statusCode: response.statusCode }, 'websocket refused by upstream');
  }

  return function forwardUpgrade(req, client, head, upstream, target) {
    const handshake: Handshake = { req, client, head, upstream, target };
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
        upstreamRequest.once('upgrade', (response: IncomingMessage, upstreamSocket: Duplex, upstreamHead: Buffer) => {
          settled();
          switched(handshake, response, upstreamSocket, upstreamHead);
        });
        upstreamRequest.once('response', (response: IncomingMessage) => {
          settled();
          refused(handshake, response);
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
  };
}
