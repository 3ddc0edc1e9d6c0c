// Server-Sent Events to the open dashboards: one serialisation per event however many listen. A
// dashboard that stops reading is let go once it lags by MAX_BACKLOG_BYTES (its browser reconnects
// and starts from a fresh snapshot), so a stalled tab cannot grow the proxy's memory.
import type { ServerResponse } from 'node:http';

const MAX_BACKLOG_BYTES = 1024 * 1024;
const KEEPALIVE_MS = 15_000;

export type StreamEvent = readonly [name: string, data: unknown];

function frame(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private keepalive: NodeJS.Timeout | undefined;

  /** `onCount` hears the number of listeners after each change (the feed runs only while > 0). */
  constructor(private readonly onCount: (count: number) => void) {}

  get size(): number {
    return this.clients.size;
  }

  attach(res: ServerResponse, initial: readonly StreamEvent[]): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.write(`retry: 1000\n\n${initial.map(([name, data]) => frame(name, data)).join('')}`);
    this.clients.add(res);
    res.once('close', () => this.detach(res));
    this.keepalive ??= setInterval(() => this.write(': keepalive\n\n'), KEEPALIVE_MS).unref();
    this.onCount(this.clients.size);
  }

  send(name: string, data: unknown): void {
    if (this.clients.size > 0) this.write(frame(name, data));
  }

  close(): void {
    for (const res of [...this.clients]) res.end();
  }

  private write(text: string): void {
    for (const res of this.clients) {
      if (res.writableLength > MAX_BACKLOG_BYTES) res.destroy();
      else res.write(text);
    }
  }

  private detach(res: ServerResponse): void {
    if (!this.clients.delete(res)) return;
    if (this.clients.size === 0) {
      clearInterval(this.keepalive);
      this.keepalive = undefined;
    }
    this.onCount(this.clients.size);
  }
}
