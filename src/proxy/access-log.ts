// The access log: one record per finished request, per WebSocket handshake and per closed
// WebSocket, built once in one place and handed to pino (component "access") and to whoever observes
// that kind of record (status/ keeps the dashboard's requests and sockets). The record's `kind` is
// what readers key on (log.ts's terminal view, observers), never its message. When the log level is
// above info and nobody observes a kind, its records are not built at all. Observers also get what
// is not logged: the response (its header block), or an open socket's live byte counts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Rule, Upstream as UpstreamName } from '../router.js';

/** Where the request went: an upstream, the build directory, or the proxy's own answer. */
type AccessTarget = UpstreamName | 'frontend-dir' | 'proxy';

/** The row of docs/routing.md §1 that decided, and the prefix that matched (rules 1–3). */
export interface RouteTaken {
  /** Undefined for a target no row applies to. */
  readonly rule: Rule | undefined;
  readonly prefix?: string | undefined;
}

interface Common extends RouteTaken {
  /** The request target as the upstream got it (origin-form), or as the client sent it if refused. */
  readonly path: string;
  readonly target: AccessTarget;
}

export interface HttpRecord extends Common {
  readonly kind: 'http';
  readonly method: string;
  /** 499: the client left before the response was complete (logged, never sent). */
  readonly statusCode: number;
  /** Milliseconds from routing to the response's end, to 0.1 ms. */
  readonly responseTime: number;
}

export interface WebSocketOpened extends Common {
  readonly kind: 'websocket-opened';
  readonly statusCode: 101;
  /** Milliseconds from the upgrade request to the 101, held time included. */
  readonly responseTime: number;
  readonly protocol: string | undefined;
}

export interface WebSocketRefused extends Common {
  readonly kind: 'websocket-refused';
  /** `upstream`: its own answer, passed through; `proxy`: the proxy's (no route, upstream down). */
  readonly refusedBy: 'upstream' | 'proxy';
  readonly statusCode: number;
  readonly responseTime: number;
}

export interface WebSocketClosed extends Common {
  readonly kind: 'websocket-closed';
  /** The first close frame's code; undefined when the connection ended without one. */
  readonly closeCode: number | undefined;
  readonly closedBy: 'client' | 'upstream' | 'proxy' | 'connection';
  /** Bytes from the client, and from the upstream, frames included. */
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Milliseconds the relay was open. */
  readonly duration: number;
}

type AccessRecord = HttpRecord | WebSocketOpened | WebSocketRefused | WebSocketClosed;
type AccessKind = AccessRecord['kind'];
type RecordOf<K extends AccessKind> = Extract<AccessRecord, { kind: K }>;

/** Bytes relayed so far by an open socket: in = from the client, out = from the upstream. */
export interface LiveBytes {
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/** What an observer gets beside the record and the request, per kind: never logged. */
interface Extras {
  /** The response, when there is one (a CONNECT is answered on the bare socket). */
  readonly http: ServerResponse | undefined;
  readonly 'websocket-opened': LiveBytes;
  readonly 'websocket-refused': undefined;
  readonly 'websocket-closed': undefined;
}

type AccessObserver<K extends AccessKind> = (record: RecordOf<K>, req: IncomingMessage, extra: Extras[K]) => void;

type Observers = { [K in AccessKind]: Array<AccessObserver<K>> };

function messageOf(record: AccessRecord): string {
  switch (record.kind) {
    case 'http':
      return 'request completed';
    case 'websocket-opened':
      return 'websocket opened';
    case 'websocket-refused':
      return `websocket refused by ${record.refusedBy}`;
    case 'websocket-closed':
      return 'websocket closed';
  }
}

/** Milliseconds since `started` (a performance.now() reading), to 0.1 ms. */
export function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

export class AccessLog {
  private readonly observers: Observers = { http: [], 'websocket-opened': [], 'websocket-refused': [], 'websocket-closed': [] };

  constructor(private readonly logger: Logger) {}

  /** Calls `observer` with every record of `kind` from now on; returns the way to stop. */
  observe<K extends AccessKind>(kind: K, observer: AccessObserver<K>): () => void {
    const list = this.observers[kind] as Array<AccessObserver<K>>;
    list.push(observer);
    return () => {
      const at = list.indexOf(observer);
      if (at !== -1) list.splice(at, 1);
    };
  }

  /** Whether a record of `kind` would go anywhere: build it only then. */
  wants(kind: AccessKind): boolean {
    return this.observers[kind].length > 0 || this.logger.isLevelEnabled('info');
  }

  record<K extends AccessKind>(record: RecordOf<K>, req: IncomingMessage, ...extra: Extras[K] extends undefined ? [] : [Extras[K]]): void {
    this.logger.info(record, messageOf(record));
    const observers = this.observers[record.kind] as Array<AccessObserver<K>>;
    for (const observer of observers) observer(record, req, extra[0] as Extras[K]);
  }

  /** For a response's own 'close' handler: its record, 499 if the client left before its end. */
  httpClosed(req: IncomingMessage, res: ServerResponse, started: number, path: string, target: AccessTarget, route: RouteTaken): void {
    if (!this.wants('http')) return;
    const statusCode = res.writableFinished ? res.statusCode : 499;
    this.record({ kind: 'http', method: req.method ?? 'GET', path, target, rule: route.rule, prefix: route.prefix, statusCode, responseTime: elapsed(started) }, req, res);
  }

  /** For a handler with no 'close' listener of its own: the record once `res` closes. */
  trackHttp(req: IncomingMessage, res: ServerResponse, path: string, target: AccessTarget, route: RouteTaken): void {
    if (!this.wants('http')) return;
    const started = performance.now();
    res.once('close', () => this.httpClosed(req, res, started, path, target, route));
  }
}
