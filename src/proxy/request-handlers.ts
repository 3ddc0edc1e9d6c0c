// The listening server's handlers (docs/routing.md §1): router.ts decides every request and upgrade
// first, then a forwarder, the build directory or the proxy's own answer acts on the decision. Only
// /__rdp/ (rule 0) goes on to the status endpoints' handler, so proxied requests never meet a
// framework's URL parser (which refuses `/%zz` before any hook) and pay nothing for it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/resolve.js';
import type { ErrorCode } from '../errors.js';
import { type Decision, type RejectDecision, route, type RouteTable, type Upstream as UpstreamName } from '../router.js';
import { type AccessLog, elapsed } from './access-log.js';
import { type ProxyAnswer, proxyAnswer, writeRawAnswer } from './answers.js';
import type { HttpForwarder } from './forward-http.js';
import { isHttp2 } from './http2-compat.js';
import type { SocketBypassWatch } from './socket-bypass.js';
import type { StaticHandler } from './static-dir.js';
import { isWebSocketUpgrade, type UpgradeForwarder } from './upgrade.js';
import type { Upstream } from './upstream.js';
import { type RouteLabels, routeHeaderLines } from './route-label.js';
import { refusalOf } from './request-checks.js';

export interface HandlerParts {
  readonly config: Pick<ResolvedConfig, 'exposeStatus'>;
  /** The table in force: it follows the Reflex app's env.json while the proxy runs (live-config.ts). */
  readonly routeTable: () => RouteTable;
  /** Told of every forwarded request and Reflex socket: the check that the page's socket came through. */
  readonly socketWatch: Pick<SocketBypassWatch, 'sawRequest' | 'sawReflexSocket'>;
  readonly upstreams: ReadonlyMap<UpstreamName, Upstream>;
  readonly accessLog: AccessLog;
  readonly forwardHttp: HttpForwarder;
  readonly forwardUpgrade: UpgradeForwarder;
  /** The frontend as a build directory (`--frontend-dir`), instead of a dev server. */
  readonly serveStatic: StaticHandler | undefined;
  /** X-RDP-Route's values; undefined with --no-route-header. */
  readonly routeLabels: RouteLabels | undefined;
  /** Where /__rdp/ requests go once the loopback rule let them through. */
  readonly status: (req: IncomingMessage, res: ServerResponse) => void;
}

interface RequestHandlers {
  request(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  connect(req: IncomingMessage, socket: Duplex): void;
}

const CLIENT_ERRORS: Readonly<Record<string, ErrorCode>> = {
  HPE_HEADER_OVERFLOW: 'RDP_ERR_HEADERS_TOO_LARGE',
  ERR_HTTP_REQUEST_TIMEOUT: 'RDP_ERR_HEADERS_TIMEOUT',
};

const STATUS_FORBIDDEN = 'the /__rdp/ status endpoints answer loopback clients only; start the proxy with --expose-status to open them';

function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));
}

function rejectAnswer(decision: RejectDecision, accept: string | undefined, route: string | undefined): ProxyAnswer {
  const allow = decision.allow === undefined ? [] : ['Allow', decision.allow];
  return proxyAnswer(decision.code, decision.reason, accept, { extraHeaders: [...allow, ...routeHeaderLines(route)] });
}

/** Requests Node's parser refused (malformed, headers too large or too slow): a 4xx with the reason. */
export function answerClientError(logger: Logger): (error: NodeJS.ErrnoException & { reason?: string }, socket: Socket) => void {
  return (error, socket) => {
    // A parse error in a request body can come while that request's response is already being
    // written: an answer now would land inside it. Node's own handler checks the same field.
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent === true) {
      socket.destroy();
      return;
    }
    const code = CLIENT_ERRORS[error.code ?? ''] ?? 'RDP_ERR_BAD_REQUEST';
    logger.debug({ code: error.code, reason: error.reason }, 'client error');
    writeRawAnswer(socket, proxyAnswer(code, error.reason ?? error.message, undefined));
  };
}

export function createRequestHandlers(parts: HandlerParts): RequestHandlers {
  const { config, routeTable, socketWatch, upstreams, accessLog, forwardHttp, forwardUpgrade, serveStatic, status, routeLabels } = parts;

  const answer = (req: IncomingMessage, res: ServerResponse, route: Pick<Decision, 'target' | 'rule'>, reply: ProxyAnswer): void => {
    accessLog.trackHttp(req, res, route.target, 'proxy', route);
    res.writeHead(reply.status, reply.headers).end(reply.body);
  };

  const refuseUpgrade = (req: IncomingMessage, socket: Duplex, started: number, rule: Decision['rule'], reply: ProxyAnswer): void => {
    writeRawAnswer(socket, reply);
    if (!accessLog.wants('websocket-refused')) return;
    accessLog.record({ kind: 'websocket-refused', path: req.url ?? '/', target: 'proxy', rule, refusedBy: 'proxy', statusCode: reply.status, responseTime: elapsed(started) }, req);
  };

  return {
    request(req, res) {
      const refusal = refusalOf(req, false);
      if (refusal !== undefined) {
        // Closed after the answer: an unread body must not be parsed as the next request.
        const reply = proxyAnswer(refusal.code, refusal.message, req.headers.accept, { extraHeaders: ['Connection', 'close'] });
        answer(req, res, { target: req.url ?? '/', rule: undefined }, reply);
        return;
      }
      const decision = route(req.method ?? 'GET', req.url ?? '/', false, routeTable());
      if (decision.kind === 'forward') {
        socketWatch.sawRequest(req, decision);
        if (decision.upstream === 'frontend' && serveStatic !== undefined) serveStatic(req, res, decision);
        else forwardHttp(req, res, upstreams.get(decision.upstream)!, decision);
      } else if (decision.kind === 'proxy') {
        if (!config.exposeStatus && !isLoopback(req.socket.remoteAddress)) {
          answer(req, res, decision, proxyAnswer('RDP_ERR_STATUS_FORBIDDEN', STATUS_FORBIDDEN, req.headers.accept));
          return;
        }
        req.url = decision.target;
        status(req, res);
      } else {
        answer(req, res, decision, rejectAnswer(decision, req.headers.accept, routeLabels?.of(decision)));
      }
    },

    upgrade(req, socket, head) {
      const started = performance.now();
      socket.on('error', () => socket.destroy());
      const refusal = refusalOf(req, true);
      if (refusal !== undefined) {
        refuseUpgrade(req, socket, started, undefined, proxyAnswer(refusal.code, refusal.message, req.headers.accept));
        return;
      }
      if (!isWebSocketUpgrade(req)) {
        const reason = `Upgrade: ${req.headers.upgrade} is not proxied; only WebSocket upgrades are (send the request without Upgrade)`;
        refuseUpgrade(req, socket, started, undefined, proxyAnswer('RDP_ERR_BAD_REQUEST', reason, req.headers.accept));
        return;
      }
      const decision = route(req.method ?? 'GET', req.url ?? '/', true, routeTable());
      if (decision.kind === 'forward' && decision.upstream === 'reflex') socketWatch.sawReflexSocket();
      if (decision.kind === 'forward') forwardUpgrade(req, socket, head, upstreams.get(decision.upstream)!, decision);
      else if (decision.kind === 'proxy') refuseUpgrade(req, socket, started, decision.rule, proxyAnswer('RDP_ERR_NOT_FOUND', '/__rdp/ has no WebSocket endpoints', req.headers.accept));
      else refuseUpgrade(req, socket, started, decision.rule, rejectAnswer(decision, req.headers.accept, routeLabels?.of(decision)));
    },

    connect(req, socket) {
      const started = performance.now();
      const reply = proxyAnswer('RDP_ERR_METHOD_NOT_ALLOWED', 'CONNECT is not supported: this is a reverse proxy, not a forward one', undefined);
      // Over HTTP/2 (--https) a CONNECT is a stream with a response, not a socket.
      if (isHttp2(req)) {
        (socket as unknown as ServerResponse).writeHead(reply.status, reply.headers).end(reply.body);
      } else {
        socket.on('error', () => socket.destroy());
        writeRawAnswer(socket, reply);
      }
      if (!accessLog.wants('http')) return;
      accessLog.record({ kind: 'http', method: 'CONNECT', path: req.url ?? '', target: 'proxy', rule: undefined, statusCode: reply.status, responseTime: elapsed(started) }, req, undefined);
    },
  };
}
