// The last WebSocket handshakes the proxy handled, for `verify` (GET /__rdp/upgrades): which cookie
// *names* went upstream — never their values — so a session cookie reaching Reflex can be proved.
// Read from the proxy's access records: the request path does not know this list exists.
import type { IncomingMessage } from 'node:http';
import type { AccessLog, WebSocketOpened, WebSocketRefused } from '../proxy/access-log.js';

interface UpgradeRecord {
  readonly at: string;
  readonly target: string;
  /** The upstream the handshake was routed to, or `proxy` when no route led to one. */
  readonly upstream: string;
  /** 101 when the upstream switched protocols, else the status the client got. */
  readonly status: number;
  readonly cookieNames: readonly string[];
}

const KEPT = 50;

function cookieNames(req: IncomingMessage): string[] {
  const header = req.headers.cookie;
  if (header === undefined) return [];
  return header
    .split(';')
    .map((pair) => pair.slice(0, pair.includes('=') ? pair.indexOf('=') : undefined).trim())
    .filter((name) => name !== '');
}

export class RecentUpgrades {
  private readonly records: UpgradeRecord[] = [];
  private readonly stops: Array<() => void>;

  constructor(accessLog: AccessLog) {
    const add = (record: WebSocketOpened | WebSocketRefused, req: IncomingMessage): void => {
      this.records.push({ at: new Date().toISOString(), target: record.path, upstream: record.target, status: record.statusCode, cookieNames: cookieNames(req) });
      if (this.records.length > KEPT) this.records.shift();
    };
    this.stops = [accessLog.observe('websocket-opened', add), accessLog.observe('websocket-refused', add)];
  }

  /** Newest first. */
  list(): UpgradeRecord[] {
    return [...this.records].reverse();
  }

  stop(): void {
    for (const stop of this.stops) stop();
  }
}
