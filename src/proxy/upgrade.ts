// The WebSocket handshake (docs/routing.md §3): the client gets 101 only after the upstream's 101,
// with every handshake header, offered subprotocol and extension passed through; an upstream's
// refusal reaches the client as its own HTTP answer. node:http sends it, its 'upgrade' event hands
// over the raw socket. The bytes that follow are relay.ts's.
import { type ClientRequest, type IncomingMessage, request, type RequestOptions } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type AccessLog, elapsed, type WebSocketRefused } from './access-log.js';
import { headBlock, proxyAnswer, writeRawAnswer } from './answers.js';
import { RdpError } from '../errors.js';
import { clientOrigin, clientResponseHeaders, upstreamRequestHeaders } from './headers.js';
import { AttemptError, ClientGone, dispatch } from './hold-and-retry.js';
import type { OpenRelays } from './open-relays.js';
import { relay } from './relay.js';
import type { ForwardDecision } from '../router.js';
import { ROUTE_HEADER, type RouteLabels, routeHeaderLines } from './route-label.js';
import type { Upstream } from './upstream.js';

interface UpgradeForwarderOptions {
  readonly trustProxy: boolean;
  readonly holdTimeoutMs: number;
  /** --upgrade-timeout: how long the upstream may take to answer a handshake; 0 waits for ever. */
  readonly upgradeTimeoutMs: number;
  readonly accessLog: AccessLog;
  readonly logger: Logger;
  readonly openRelays: OpenRelays;
  /** X-RDP-Route's values; undefined with --no-route-header. */
  readonly routeLabels: RouteLabels | undefined;
}

export type UpgradeForwarder = (req: IncomingMessage, client: Duplex, head: Buffer, upstream: Upstream, decision: ForwardDecision) => void;

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

function ignore(): void {}

/**
 * A connection of its own per handshake, without an agent: an upgraded socket leaves any pool, and
 * an agent's bookkeeping is garbage a burst of a thousand handshakes would leave behind.
 */
function connection(options: RequestOptions): Duplex {
  return connect({ host: options.host ?? undefined, port: Number(options.port), noDelay: true });
}

/**
 * One attempt's handshake request to `upstream`. Errors after settling belong to the upgraded socket
 * or the refusal's body, handled by their owner: never an unhandled 'error'.
 */
function openRequest(upstream: Upstream, method: string, target: string, headers: string[]): OpenedRequest {
  const opened = request({ host: upstream.hostname, port: upstream.port, method, path: target, headers, createConnection: connection });
  const settle = (): void => {
    opened.removeAllListeners('error');
    opened.on('error', ignore);
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
class Handshake {
  private readonly started = performance.now();
  private readonly clientGone = new ClientGone();
  /** The attempt's request, until it is answered: a client that leaves takes it down. */
  private inFlight: ClientRequest | undefined;
  private readonly onEarlyClose = (): void => {
    this.clientGone.abort();
    this.inFlight?.destroy();
  };
  private readonly route: string | undefined;

  constructor(
    private readonly options: UpgradeForwarderOptions,
    private readonly req: IncomingMessage,
    private readonly client: Duplex,
    /** Bytes the client sent after its request head. */
    private readonly head: Buffer,
    private readonly upstream: Upstream,
    private readonly decision: ForwardDecision,
  ) {
    this.route = options.routeLabels?.of(decision);
  }

  start(): void {
    const { req, client, upstream, decision, options } = this;
    const headers = upstreamRequestHeaders(req, { trustProxy: options.trustProxy, isWebSocket: true });
    client.once('close', this.onEarlyClose);
    // Until the relay owns it, a client error only means the client is gone.
    client.on('error', this.onEarlyClose);
    const policy = { idempotent: true, holdTimeoutMs: options.holdTimeoutMs, clientGone: this.clientGone };
    dispatch(upstream, policy, () => this.attempt(headers)).catch((error: RdpError) => {
      if (error.code === 'RDP_ERR_CLIENT_CLOSED') {
        client.destroy();
        return;
      }
      options.logger.warn({ upstream: upstream.name, path: decision.target, err: error.cause ?? error, code: error.code }, 'websocket upstream unavailable');
      const answer = proxyAnswer(error.code, error.message, req.headers.accept, { upstream: upstream.facts, extraHeaders: routeHeaderLines(this.route) });
      writeRawAnswer(client, answer);
      this.recordRefusal('proxy', answer.status);
    });
  }

  /** Resolves once the upstream answered (101 or a refusal); rejects with an AttemptError if it did not. */
  private attempt(headers: string[]): Promise<void> {
    const { req, client } = this;
    return new Promise((resolve, reject) => {
      const { request: upstreamRequest, settle, fail } = openRequest(this.upstream, req.method ?? 'GET', this.decision.target, headers);
      this.inFlight = upstreamRequest;
      // Answered: from here the relay or the refusal owns the client's close and errors.
      const settled = (): void => {
        this.inFlight = undefined;
        settle();
        client.removeListener('close', this.onEarlyClose);
        client.removeListener('error', this.onEarlyClose);
        resolve();
      };
      // Each attempt gets its own deadline: time spent holding for a restarting upstream is not its.
      const { upgradeTimeoutMs } = this.options;
      const deadline = upgradeTimeoutMs === 0 ? undefined : setTimeout(() => {
        const { name, url } = this.upstream;
        reject(new RdpError('RDP_ERR_UPSTREAM_TIMEOUT', `${name} at ${url.origin} accepted the WebSocket handshake but sent no answer within ${upgradeTimeoutMs} ms (--upgrade-timeout)`));
        // Settled first (its resolve is a no-op after the reject): the destroy's error is swallowed.
        settled();
        upstreamRequest.destroy();
      }, upgradeTimeoutMs);
      upstreamRequest.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(deadline);
        this.inFlight = undefined;
        reject(fail(error, false));
      });
      upstreamRequest.once('upgrade', (response: IncomingMessage, upstreamSocket: Duplex, upstreamHead: Buffer) => {
        clearTimeout(deadline);
        settled();
        this.switched(response, upstreamSocket, upstreamHead);
      });
      upstreamRequest.once('response', (response: IncomingMessage) => {
        clearTimeout(deadline);
        settled();
        this.refused(response);
      });
      upstreamRequest.end();
    });
  }

  /** The upstream switched protocols: the same 101 to the client, then the relay. */
  private switched(response: IncomingMessage, upstreamSocket: Duplex, upstreamHead: Buffer): void {
    const { req, client, head, upstream, decision, options } = this;
    if (client.destroyed) {
      upstreamSocket.destroy();
      return;
    }
    if (response.headers.upgrade?.toLowerCase() !== 'websocket') {
      upstreamSocket.destroy();
      const answer = proxyAnswer('RDP_ERR_UPSTREAM_FAILED', `${upstream.name} switched to ${response.headers.upgrade ?? 'no protocol'}, not websocket`, req.headers.accept, { extraHeaders: routeHeaderLines(this.route) });
      writeRawAnswer(client, answer);
      this.recordRefusal('proxy', answer.status);
      return;
    }
    const responseHeaders = clientResponseHeaders(response.rawHeaders, upstream.origins, () => clientOrigin(req, options.trustProxy), true);
    if (this.route !== undefined) responseHeaders.push(ROUTE_HEADER, this.route);
    client.write(headBlock(101, response.statusMessage, responseHeaders));
    if (upstreamHead.length > 0) client.write(upstreamHead);
    if (head.length > 0) upstreamSocket.write(head);
    const label = { path: decision.target, target: upstream.name, rule: decision.rule, prefix: decision.prefix };
    const bytes = relay({ client, upstream: upstreamSocket, clientHead: head, upstreamHead }, { ...label, req }, options.accessLog, options.openRelays);
    if (options.accessLog.wants('websocket-opened')) {
      const protocol = response.headers['sec-websocket-protocol'];
      options.accessLog.record({ kind: 'websocket-opened', ...label, statusCode: 101, responseTime: elapsed(this.started), protocol }, req, bytes);
    }
  }

  /** Refused by the upstream: its own status and body, then the connection ends. */
  private refused(response: IncomingMessage): void {
    const { req, client, upstream } = this;
    if (client.destroyed) {
      response.destroy();
      return;
    }
    const responseHeaders = clientResponseHeaders(response.rawHeaders, upstream.origins, () => clientOrigin(req, this.options.trustProxy));
    client.write(headBlock(response.statusCode ?? 502, response.statusMessage, [...responseHeaders, ...routeHeaderLines(this.route), 'Connection', 'close']));
    response.pipe(client);
    this.recordRefusal('upstream', response.statusCode ?? 502);
  }

  private recordRefusal(refusedBy: WebSocketRefused['refusedBy'], statusCode: number): void {
    const { accessLog } = this.options;
    if (!accessLog.wants('websocket-refused')) return;
    const { req, upstream, decision } = this;
    accessLog.record({ kind: 'websocket-refused', path: decision.target, target: upstream.name, rule: decision.rule, prefix: decision.prefix, refusedBy, statusCode, responseTime: elapsed(this.started) }, req);
  }
}

export function createUpgradeForwarder(options: UpgradeForwarderOptions): UpgradeForwarder {
  return (req, client, head, upstream, decision) => new Handshake(options, req, client, head, upstream, decision).start();
}
