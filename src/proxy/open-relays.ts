// The WebSockets open right now, so a stopping proxy can tell each side "going away" (1001) instead of
// cutting the connection, and wait until every relay is closed.

/** A relay's way to say "going away", resolving once both of its sockets are closed. */
type GoAway = () => Promise<void>;

export class OpenRelays {
  private readonly open = new Set<GoAway>();

  add(goAway: GoAway): void {
    this.open.add(goAway);
  }

  delete(goAway: GoAway): void {
    this.open.delete(goAway);
  }

  /** Shutdown: a 1001 close frame to both sides where one fits between frames, then the end. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.open].map((goAway) => goAway()));
  }
}
