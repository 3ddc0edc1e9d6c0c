// Feeds the dashboard's request and socket logs from the proxy's access records: status/ subscribes,
// the request path does not know it exists. What is kept is a reference to what the request path
// already built (the record, the request's raw headers, the response's header block as sent).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessLog, RouteTaken } from '../proxy/access-log.js';
import type { RequestLog } from './request-log.js';
import type { SocketEnd, SocketHandshake, SocketLog } from './socket-log.js';

/** The header block Node sent, kept by the response itself; undefined until headers were sent. */
function sentHead(res: ServerResponse | undefined): string | undefined {
  const head = (res as (ServerResponse & { _header?: unknown }) | undefined)?._header;
  return typeof head === 'string' ? head : undefined;
}

function handshakeOf(record: RouteTaken & { path: string; target: string; responseTime: number; protocol?: string | undefined }, req: IncomingMessage): SocketHandshake {
  return {
    startedAt: Date.now() - record.responseTime,
    target: record.path,
    upstream: record.target,
    rule: record.rule ?? null,
    prefix: record.prefix ?? null,
    requestHeaders: req.rawHeaders,
    protocol: record.protocol,
  };
}

/** Starts recording; returns the way to stop. */
export function recordTraffic(accessLog: AccessLog, requests: RequestLog, sockets: SocketLog): () => void {
  const closers = new WeakMap<IncomingMessage, (end: SocketEnd) => void>();
  const stops = [
    accessLog.observe('http', (record, req, res) =>
      requests.record({
        startedAt: Date.now() - record.responseTime,
        method: record.method,
        target: record.path,
        upstream: record.target === 'frontend-dir' ? 'frontend' : record.target,
        rule: record.rule ?? null,
        prefix: record.prefix ?? null,
        status: record.statusCode,
        durationMs: record.responseTime,
        requestHeaders: req.rawHeaders,
        responseHead: sentHead(res),
      }),
    ),
    accessLog.observe('websocket-opened', (record, req, live) => closers.set(req, sockets.opened(handshakeOf(record, req), () => live))),
    accessLog.observe('websocket-refused', (record, req) => sockets.refused(handshakeOf(record, req), record.statusCode, record.refusedBy)),
    accessLog.observe('websocket-closed', (record, req) => {
      closers.get(req)?.({ endedAt: Date.now(), closeCode: record.closeCode ?? null, closedBy: record.closedBy, bytesIn: record.bytesIn, bytesOut: record.bytesOut });
      closers.delete(req);
    }),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
