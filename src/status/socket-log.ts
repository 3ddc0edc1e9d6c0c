// The dashboard's Sockets list: every WebSocket open now (bounded by the connections themselves)
// and the newest CLOSED_SOCKETS_KEPT that closed or were refused, each with the cookie names its
// handshake carried — "did sessionid reach /_event?" answered at a glance.
import { cookieNamesOf } from './header-view.js';
import { Ring } from './ring.js';

export const CLOSED_SOCKETS_KEPT = 100;

/** A handshake the proxy passed on, as the request path hands it over. */
export interface SocketHandshake {
  /** Epoch milliseconds when the handshake arrived. */
  readonly startedAt: number;
  readonly target: string;
  readonly upstream: string;
  readonly rule: number | null;
  readonly prefix: string | null;
  /** The client's raw handshake headers (flat form); only cookie names are read from them. */
  readonly requestHeaders: readonly string[];
  /** The subprotocol the upstream chose, if any. */
  readonly protocol: string | undefined;
}

/** Bytes relayed so far: in = client to upstream, out = upstream to client. */
export interface RelayedBytes {
  readonly bytesIn: number;
  readonly bytesOut: number;
}

export interface SocketEnd extends RelayedBytes {
  readonly endedAt: number;
  readonly closeCode: number | null;
  /** client, upstream, proxy (shutdown) or connection (no close frame). */
  readonly closedBy: string;
}

/** One handshake as `verify` reads it at /__rdp/upgrades. */
export interface HandshakeView {
  readonly at: string;
  readonly target: string;
  readonly upstream: string;
  readonly status: number;
  readonly cookieNames: readonly string[];
}

export interface SocketView extends RelayedBytes {
  readonly id: number;
  readonly at: number;
  readonly path: string;
  readonly target: string;
  readonly rule: number | null;
  readonly prefix: string | null;
  readonly protocol: string | null;
  readonly cookieNames: readonly string[];
  /** 101 once switched; else the status the client was refused with. */
  readonly status: number;
  readonly open: boolean;
  readonly ageMs: number;
  readonly closeCode: number | null;
  readonly closedBy: string | null;
}

interface Entry {
  readonly id: number;
  readonly handshake: SocketHandshake;
  readonly cookieNames: readonly string[];
  readonly status: number;
  readonly bytes: () => RelayedBytes;
  end?: SocketEnd;
}

function viewOf(entry: Entry, now: number): SocketView {
  const { handshake, end } = entry;
  const bytes = end ?? entry.bytes();
  return {
    id: entry.id,
    at: handshake.startedAt,
    path: handshake.target,
    target: handshake.upstream,
    rule: handshake.rule,
    prefix: handshake.prefix,
    protocol: handshake.protocol ?? null,
    cookieNames: entry.cookieNames,
    status: entry.status,
    open: end === undefined,
    ageMs: (end?.endedAt ?? now) - handshake.startedAt,
    bytesIn: bytes.bytesIn,
    bytesOut: bytes.bytesOut,
    closeCode: end?.closeCode ?? null,
    closedBy: end?.closedBy ?? null,
  };
}

const NO_BYTES: RelayedBytes = { bytesIn: 0, bytesOut: 0 };

export class SocketLog {
  private readonly openEntries = new Map<number, Entry>();
  private readonly closedEntries = new Ring<Entry>(CLOSED_SOCKETS_KEPT);
  private nextId = 0;
  /** Bumped on every open, close and refusal: what a dashboard compares to see a change. */
  private changes = 0;

  private entry(handshake: SocketHandshake, status: number, bytes: () => RelayedBytes): Entry {
    this.changes += 1;
    return { id: this.nextId++, handshake, cookieNames: cookieNamesOf(handshake.requestHeaders, 'cookie'), status, bytes };
  }

  /** A relay started; returns what to call when it ends. */
  opened(handshake: SocketHandshake, bytes: () => RelayedBytes): (end: SocketEnd) => void {
    const entry = this.entry(handshake, 101, bytes);
    this.openEntries.set(entry.id, entry);
    return (end) => {
      if (!this.openEntries.delete(entry.id)) return;
      entry.end = end;
      this.closedEntries.push(entry);
      this.changes += 1;
    };
  }

  /** A handshake answered with `status` instead of 101 (by the upstream or the proxy). */
  refused(handshake: SocketHandshake, status: number, closedBy: string): void {
    const entry = this.entry(handshake, status, () => NO_BYTES);
    entry.end = { endedAt: Date.now(), closeCode: null, closedBy, ...NO_BYTES };
    this.closedEntries.push(entry);
  }

  /** Changes when a socket opens or closes, or bytes move on an open one. */
  fingerprint(): string {
    let bytes = 0;
    for (const entry of this.openEntries.values()) {
      const now = entry.bytes();
      bytes += now.bytesIn + now.bytesOut;
    }
    return `${this.changes}:${bytes}`;
  }

  /** The newest `limit` handshakes, open, closed or refused, newest first. */
  handshakes(limit: number): HandshakeView[] {
    const entries = [...this.openEntries.values(), ...this.closedEntries.newest().map(({ entry }) => entry)];
    return entries
      .sort((a, b) => b.id - a.id)
      .slice(0, limit)
      .map((entry) => ({ at: new Date(entry.handshake.startedAt).toISOString(), target: entry.handshake.target, upstream: entry.handshake.upstream, status: entry.status, cookieNames: entry.cookieNames }));
  }

  /** Newest first. */
  list(now = Date.now()): { open: SocketView[]; closed: SocketView[] } {
    return {
      open: [...this.openEntries.values()].reverse().map((entry) => viewOf(entry, now)),
      closed: this.closedEntries.newest().map(({ entry }) => viewOf(entry, now)),
    };
  }
}
