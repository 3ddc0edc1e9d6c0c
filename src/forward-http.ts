// Forwards one plain HTTP request to the upstream router.ts chose (routing.md §3–4): raw target and
// Host unchanged, bodies streamed both ways with no cap, and the hold/retry rules of dispatch().
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { proxyAnswer } from './error-page.js';
import { RdpError } from './errors.js';
import { clientOrigin, clientResponseHeaders, upstreamRequestHeaders } from './headers.js';
import { dispatch, openRequest, type Upstream } from './upstreams.js';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface HttpForwarderOptions {
  readonly trustProxy: boolean;
  readonly holdTimeoutMs: number;
  readonly logger: Logger;
}

export type HttpForwarder = (req: IncomingMessage, res: ServerResponse, upstream: Upstream, target: string) => void;

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export function createHttpForwarder(options: HttpForwarderOptions): HttpForwarder {
  const { logger, trustProxy, holdTimeoutMs } = options;

  return function forwardHttp(req, res, upstream, target) {
    const headers = upstreamRequestHeaders(req, { trustProxy, isWebSocket: false });
    const withBody = hasBody(req);
    const clientGone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) clientGone.abort();
    });

    const attempt = (): Promise<void> =>
      new Promise((resolve, reject) => {
        let bodySent = false;
        const { request: upstreamRequest, settle, fail } = openRequest(upstream, req.method ?? 'GET', target, headers, clientGone.signal);
        upstreamRequest.once('socket', (socket) => {
          if (!withBody) return;
          // Only a connected socket gets the body: a refused connection then consumed nothing,
          // so the held request can be sent again whole.
          const sendBody = (): void => {
            bodySent = true;
            req.pipe(upstreamRequest);
          };
          if (socket.connecting) socket.once('connect', sendBody);
          else sendBody();
        });
        if (!withBody) upstreamRequest.end();
        upstreamRequest.once('error', (error: NodeJS.ErrnoException) => reject(fail(error, bodySent)));
        upstreamRequest.once('response', (upstreamResponse) => {
          settle();
          relayResponse(upstreamResponse);
          resolve();
        });
      });

    const relayResponse = (upstreamResponse: IncomingMessage): void => {
      if (res.destroyed) {
        upstreamResponse.destroy();
        return;
      }
      res.writeHead(
        upstreamResponse.statusCode ?? 502,
        upstreamResponse.statusMessage,
        clientResponseHeaders(upstreamResponse.rawHeaders, upstream.origins, clientOrigin(req, trustProxy)),
      );
      upstreamResponse.pipe(res);
      upstreamResponse.once('close', () => {
        // Cut short by the upstream: cut the client too, or it waits forever for the rest.
        if (!upstreamResponse.complete) res.destroy();
      });
      res.once('close', () => {
        if (!upstreamResponse.complete) upstreamResponse.destroy();
      });
    };

    const started = performance.now();
    res.once('close', () => {
      logger.info(
        {
          method: req.method,
          path: target,
          target: upstream.name,
          statusCode: res.writableFinished ? res.statusCode : 499,
          responseTime: Math.round((performance.now() - started) * 10) / 10,
        },
        'request completed',
      );
    });

    dispatch(upstream, { idempotent: IDEMPOTENT.has(req.method ?? ''), holdTimeoutMs, signal: clientGone.signal }, attempt).catch(
      (thrown: unknown) => {
        const error = thrown instanceof RdpError ? thrown : new RdpError('RDP_ERR_UPSTREAM_FAILED', String(thrown), { cause: thrown });
        if (error.code === 'RDP_ERR_CLIENT_CLOSED' || res.headersSent || res.destroyed) {
          res.destroy();
          return;
        }
        logger.warn({ upstream: upstream.name, path: target, err: error.cause ?? error, code: error.code }, 'upstream unavailable');
        const answer = proxyAnswer(error.code, error.message, req.headers.accept, {
          upstream: { name: upstream.name, url: upstream.url.origin, state: upstream.state, logTail: upstream.logTail },
        });
        res.writeHead(answer.status, answer.headers).end(answer.body);
        // The unread body of a refused request must not be parsed as the next request.
        if (withBody && !req.complete) res.once('finish', () => req.socket.destroy());
      },
    );
  };
}
