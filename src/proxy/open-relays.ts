// The WebSockets open right now, so a stopping proxy can tell each side "going away" (1001) instead of
// cutting the connection, and wait until every relay is closed.

/** An open relay, as the registry sees it. */
export interface Relaying {
  /** A 1001 close frame to both sides where one fits between frames, then the end; resolves once both sockets are closed. */
  goAway(): Promise<void>;
}

export class OpenRelays {
  private readonly open = new Set<Relaying>();

  add(relay: Relaying): void {
    this.open.add(relay);
  }

  delete(relay: Relaying): void {
    this.open.delete(relay);
  }

  /** Shutdown: every relay goes away. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.open].map((relay) => relay.goAway()));
  }
}
