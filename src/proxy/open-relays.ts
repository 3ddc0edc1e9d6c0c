// The WebSockets open right now, so a stopping proxy can tell each side "going away" (1001) instead of
// cutting the connection, and wait until every relay is closed. Relays coming and going are also
// what tells the idle collector a burst of garbage may be waiting.
import { IdleCollector } from './idle-collector.js';

/** An open relay, as the registry sees it. */
export interface Relaying {
  /** A 1001 close frame to both sides where one fits between frames, then the end; resolves once both sockets are closed. */
  goAway(): Promise<void>;
}

export class OpenRelays {
  private readonly open = new Set<Relaying>();

  constructor(private readonly collector = new IdleCollector()) {}

  add(relay: Relaying): void {
    this.open.add(relay);
    this.collector.note();
  }

  delete(relay: Relaying): void {
    this.open.delete(relay);
    this.collector.note();
  }

  /** Shutdown: every relay goes away. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.open].map((relay) => relay.goAway()));
    this.collector.stop();
  }
}
