// Forwards one plain HTTP request to the upstream router.ts chose (docs/routing.md §3–4): raw target and
// Host unchanged, bodies streamed both ways with no cap, and the hold/retry rules of dispatch().
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { AccessLog } from './access-log.js';
import { proxyAnswer } from './answers.js';
import { RdpError } from '../errors.js';
import { clientOrigin, clientResponseHeaders, upstreamRequestHeaders } from './headers.js';
import { dropUnreadBody, hasRequestBody, responseGone, writeResponseHead } from './http2-compat.js';
import { AttemptError, ClientGone, dispatch } from './hold-and-retry.js';
import type { ForwardDecision } from '../router.js';
import { ROUTE_HEADER, type RouteLabels, routeHeaderLines } from './route-label.js';
import type { Upstream } from './upstream.js';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS']);

interface HttpForwarderOptions {
  readonly trustProxy: boolean;
  readonly holdTimeoutMs: number;
  /** --response-timeout: how long the upstream may take to start its answer; 0 waits for ever. */
  readonly responseTimeoutMs: number;
  readonly accessLog: AccessLog;
  readonly logger: Logger;
  /** X-RDP-Route's values; undefined with --no-route-header. */
  readonly routeLabels: RouteLabels | undefined;
}

export type HttpForwarder = (req: IncomingMessage, res: ServerResponse, upstream: Upstream, decision: ForwardDecision) => void;

function latin1(raw: readonly Buffer[]): string[] {
  return raw.map((bytes) => bytes.toString('latin1'));
}

/**
 * An upstream's 103 Early Hints, passed on so the browser can preload while the answer is made.
 * Only to an HTTP/1.1 client: never to HTTP/1.0 (RFC 9110 §15.2), and HTTP/2 (--https) gets the
 * answer alone. A Link Node will not write is left out.
 */
function forwardEarlyHints(req: IncomingMessage, res: ServerResponse, headers: readonly string[]): void {
  if (req.httpVersionMajor !== 1 || req.httpVersionMinor < 1 || res.headersSent) return;
  const hints: Record<string, string | string[]> = {};
  const link: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!.toLowerCase();
    if (name === 'link') link.push(headers[i + 1]!);
    else hints[name] = headers[i + 1]!;
  }
  try {
    res.writeEarlyHints({ ...hints, link });
  } catch {
    // An invalid Link value: the hints are only an optimisation, the answer follows regardless.
  }
}

function responseTimeout(upstream: Upstream, ms: number): RdpError {
  return new RdpError('RDP_ERR_UPSTREAM_TIMEOUT', `${upstream.name} at ${upstream.url.origin} accepted the request but sent no response within ${ms} ms (--response-timeout)`);
}

/** One request's forwarding, shared by its attempts (dispatch() may hold and send it again). */
interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly upstream: Upstream;
  readonly target: string;
  readonly headers: string[];
  readonly withBody: boolean;
  /** X-RDP-Route's value, if it is sent. */
  readonly route: string | undefined;
  readonly clientGone: ClientGone;
  /** The undici handler of the attempt in flight, so a client that leaves aborts it. */
  abortAttempt: ((error: Error) => void) | undefined;
}

/** One attempt: resolves once the response has begun; rejects for dispatch() to decide. */
function attempt(exchange: Exchange, options: HttpForwarderOptions): Promise<void> {
  const { req, res, upstream } = exchange;
  return new Promise((resolve, reject) => {
    let answered = false;
    let bodyStarted = false;
    let resumeUpstream: () => void = () => {};
    // Node sends a head with the first body chunk; an event stream whose first event comes
    // later (or never) must show its head at once. undici hands over the body bytes that came with
    // the head in the same parser run, before microtasks: a plain response still leaves in one write.
    const flushIdleHead = (): void => {
      if (!bodyStarted && !responseGone(req, res)) res.flushHeaders();
    };
    upstream.pool.dispatch(
      // A refused connection leaves the body unread: the held request is sent again whole.
      {
        method: req.method ?? 'GET',
        path: exchange.target,
        headers: exchange.headers,
        body: exchange.withBody ? req : null,
        headersTimeout: options.responseTimeoutMs,
      },
      {
        onConnect(abort) {
          if (exchange.clientGone.aborted) abort(new Error('client closed'));
          else exchange.abortAttempt = abort;
        },
        onHeaders(statusCode, rawHeaders, resume, statusText) {
          const headers = clientResponseHeaders(latin1(rawHeaders), upstream.origins, () => clientOrigin(req, options.trustProxy));
          // Informational: the real answer follows on the same request.
          if (statusCode < 200) {
            if (statusCode === 103) forwardEarlyHints(req, res, headers);
            return true;
          }
          answered = true;
          resolve();
          if (responseGone(req, res)) return false;
          if (exchange.route !== undefined) headers.push(ROUTE_HEADER, exchange.route);
          writeResponseHead(req, res, statusCode, statusText, headers);
          resumeUpstream = resume;
          queueMicrotask(flushIdleHead);
          return true;
        },
        onData(chunk) {
          bodyStarted = true;
          if (res.write(chunk)) return true;
          // The client reads slower than the upstream sends: undici waits for resume().
          res.once('drain', resumeUpstream);
          return false;
        },
        onComplete() {
          bodyStarted = true;
          exchange.abortAttempt = undefined;
          res.end();
        },
        onError(error: NodeJS.ErrnoException) {
          exchange.abortAttempt = undefined;
          // Before an answer: dispatch() decides (hold, retry, 502). After: cut the client too,
          // or it waits forever for the rest.
          if (answered) res.destroy();
          else if (error.code === 'UND_ERR_HEADERS_TIMEOUT') reject(responseTimeout(upstream, options.responseTimeoutMs));
          else reject(new AttemptError(error, req.readableDidRead));
        },
      },
    );
  });
}

export function createHttpForwarder(options: HttpForwarderOptions): HttpForwarder {
  const { accessLog, logger, trustProxy, holdTimeoutMs, routeLabels } = options;

  return function forwardHttp(req, res, upstream, decision) {
    const { target } = decision;
    const exchange: Exchange = {
      req,
      res,
      upstream,
      target,
      headers: upstreamRequestHeaders(req, { trustProxy, isWebSocket: false }),
      withBody: hasRequestBody(req),
      route: routeLabels?.of(decision),
      clientGone: new ClientGone(),
      abortAttempt: undefined,
    };
    const started = performance.now();
    res.once('close', () => {
      if (!res.writableFinished) {
        exchange.clientGone.abort();
        exchange.abortAttempt?.(new Error('client closed'));
      }
      accessLog.httpClosed(req, res, started, target, upstream.name, decision);
    });

    const policy = { idempotent: IDEMPOTENT.has(req.method ?? ''), holdTimeoutMs, clientGone: exchange.clientGone };
    dispatch(upstream, policy, () => attempt(exchange, options)).catch((error: RdpError) => {
      if (error.code === 'RDP_ERR_CLIENT_CLOSED' || res.headersSent || responseGone(req, res)) {
        res.destroy();
        return;
      }
      logger.warn({ upstream: upstream.name, path: target, err: error.cause ?? error, code: error.code }, 'upstream unavailable');
      const answer = proxyAnswer(error.code, error.message, req.headers.accept, { upstream: upstream.facts, extraHeaders: routeHeaderLines(exchange.route) });
      res.writeHead(answer.status, answer.headers).end(answer.body);
      // The unread body of a refused request must not be parsed as the next request.
      if (exchange.withBody && !req.complete) res.once('finish', () => dropUnreadBody(req, res));
    });
  };
}
