// The dashboard's Requests list: the newest REQUESTS_KEPT finished HTTP exchanges as the proxy
// recorded them. Recording keeps references as they are (no copy, no parsing); the summary and the
// header view with cookie values hidden are built only when a dashboard asks.
import { contentLengthInHead, contentLengthOf, cookieNamesOf, type HeaderLine, headerLinesOf, visibleHeaders } from './header-view.js';
import { Ring } from './ring.js';

export const REQUESTS_KEPT = 500;

/** One finished HTTP exchange, as the proxy's access log hands it over. */
export interface ExchangeRecord {
  /** Epoch milliseconds when the request arrived. */
  readonly startedAt: number;
  readonly method: string;
  /** The raw request target (path and query) as the client sent it. */
  readonly target: string;
  /** The upstream that answered, or `proxy` for the proxy's own answers. */
  readonly upstream: string;
  readonly rule: number | null;
  readonly prefix: string | null;
  readonly status: number;
  readonly durationMs: number;
  /** The request's headers in Node's flat raw form: [name, value, name, value, …]. */
  readonly requestHeaders: readonly string[];
  /** The response's header block as it was sent; undefined when none was (the client left first). */
  readonly responseHead: string | undefined;
}

export interface RequestSummary {
  readonly id: number;
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly rule: number | null;
  readonly prefix: string | null;
  readonly target: string;
  readonly status: number;
  readonly durationMs: number;
  /** The request's and the response's Content-Length; null for a streamed (chunked) body. */
  readonly bytesIn: number | null;
  readonly bytesOut: number | null;
}

export interface RequestDetail extends RequestSummary {
  readonly requestHeaders: readonly HeaderLine[];
  readonly responseHeaders: readonly HeaderLine[];
  /** Cookie names the request carried (never values). */
  readonly cookieNames: readonly string[];
  /** Cookie names the response set (never values). */
  readonly setCookieNames: readonly string[];
}

function summaryOf(id: number, record: ExchangeRecord): RequestSummary {
  return {
    id,
    at: record.startedAt,
    method: record.method,
    path: record.target,
    rule: record.rule,
    prefix: record.prefix,
    target: record.upstream,
    status: record.status,
    durationMs: record.durationMs,
    bytesIn: contentLengthOf(record.requestHeaders) ?? (record.method === 'GET' || record.method === 'HEAD' ? 0 : null),
    bytesOut: record.responseHead === undefined ? null : contentLengthInHead(record.responseHead),
  };
}

export class RequestLog {
  private readonly ring = new Ring<ExchangeRecord>(REQUESTS_KEPT);

  readonly record = (exchange: ExchangeRecord): void => {
    this.ring.push(exchange);
  };

  get lastId(): number {
    return this.ring.lastId;
  }

  /** Newest first; only those numbered above `afterId`, at most `limit`. */
  summaries(afterId = -1, limit = REQUESTS_KEPT): RequestSummary[] {
    return this.ring.newest(afterId, limit).map(({ id, entry }) => summaryOf(id, entry));
  }

  detail(id: number): RequestDetail | undefined {
    const record = this.ring.get(id);
    if (record === undefined) return undefined;
    const responseHeaders = record.responseHead === undefined ? [] : headerLinesOf(record.responseHead);
    return {
      ...summaryOf(id, record),
      requestHeaders: visibleHeaders(record.requestHeaders),
      responseHeaders: visibleHeaders(responseHeaders),
      cookieNames: cookieNamesOf(record.requestHeaders, 'cookie'),
      setCookieNames: cookieNamesOf(responseHeaders, 'set-cookie'),
    };
  }
}
