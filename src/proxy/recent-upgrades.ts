// The last WebSocket handshakes the proxy handled, for `verify` (GET /__rdp/upgrades): which cookie
// *names* went upstream — never their values — so a session cookie reaching Reflex can be proved.
import type { IncomingMessage } from 'node:http';

export interface UpgradeRecord {
  readonly at: string;
  readonly target: string;
  readonly upstream: string;
  /** 101 when the upstream switched protocols, else the status the client got. */
  readonly status: number;
  readonly cookieNames: readonly string[];
}

const KEPT = 50;

export function cookieNames(req: IncomingMessage): string[] {
  const header = req.headers.cookie;
  if (header === undefined) return [];
  return header
    .split(';')
    .map((pair) => pair.slice(0, pair.includes('=') ? pair.indexOf('=') : undefined).trim())
    .filter((name) => name !== '');
}

export class RecentUpgrades {
  private readonly records: UpgradeRecord[] = [];

  add(req: IncomingMessage, target: string, upstream: string, status: number): void {
    this.records.push({ at: new Date().toISOString(), target, upstream, status, cookieNames: cookieNames(req) });
    if (this.records.length > KEPT) this.records.shift();
  }

  /** Newest first. */
  list(): UpgradeRecord[] {
    return [...this.records].reverse();
  }
}
