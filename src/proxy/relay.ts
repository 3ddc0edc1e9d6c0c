// After the handshake, a raw byte pipe both ways (docs/routing.md §3): frames are never parsed or
// re-framed, so permessage-deflate and message sizes pass untouched. Frame headers are only skipped
// through, to read the close code for the access record and to know where a 1001 frame fits.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AccessLog, LiveBytes, WebSocketClosed } from './access-log.js';
import type { OpenRelays } from './open-relays.js';
import { CloseCodeReader, closeFrame, GOING_AWAY } from './ws-close-code.js';

/** How long the sides of a closing relay get to finish their close handshake. */
const GOING_AWAY_GRACE_MS = 1_000;

interface RelaySockets {
  readonly client: Duplex;
  readonly upstream: Duplex;
  /** Bytes each side sent along with the handshake, already written across by the handshake. */
  readonly clientHead: Buffer;
  readonly upstreamHead: Buffer;
}

/** What the close record names the relay by: the handshake's request and route. */
interface RelayLabel extends Pick<WebSocketClosed, 'path' | 'target' | 'rule' | 'prefix'> {
  readonly req: IncomingMessage;
}

/** Bytes that crossed in one direction, and the close frame seen in them. */
class Direction {
  bytes = 0;
  readonly closes = new CloseCodeReader();
}

class Relay implements LiveBytes {
  private readonly started = performance.now();
  private readonly fromClient = new Direction();
  private readonly fromUpstream = new Direction();
  /** The side whose close frame came first; the other side's is only the echo of it. */
  private firstClose: { by: WebSocketClosed['closedBy']; code: number } | undefined;
  private relaying = true;
  private finished = false;
  readonly closed: Promise<void>;

  constructor(
    private readonly sockets: RelaySockets,
    private readonly label: RelayLabel,
    private readonly accessLog: AccessLog,
    private readonly openRelays: OpenRelays,
  ) {
    const { client, upstream } = sockets;
    // The first frames often arrive with the handshake: count them, and keep the readers in step.
    if (sockets.upstreamHead.length > 0) this.observe(this.fromUpstream, 'upstream', sockets.upstreamHead);
    if (sockets.clientHead.length > 0) this.observe(this.fromClient, 'client', sockets.clientHead);
    this.pipe(client, upstream, this.fromClient, 'client');
    this.pipe(upstream, client, this.fromUpstream, 'upstream');
    client.on('error', this.destroyBoth);
    upstream.on('error', this.destroyBoth);
    this.closed = new Promise<void>((resolve) => {
      let remaining = 2;
      const onceClosed = (): void => {
        remaining -= 1;
        if (remaining === 0) resolve();
      };
      client.once('close', onceClosed);
      upstream.once('close', onceClosed);
    });
    openRelays.add(this.goAway);
    client.once('close', this.finish);
    upstream.once('close', this.finish);
  }

  get bytesIn(): number {
    return this.fromClient.bytes;
  }

  get bytesOut(): number {
    return this.fromUpstream.bytes;
  }

  private observe(direction: Direction, side: 'client' | 'upstream', chunk: Buffer): void {
    direction.bytes += chunk.length;
    direction.closes.push(chunk);
    if (this.firstClose === undefined && direction.closes.closeCode !== undefined) this.firstClose = { by: side, code: direction.closes.closeCode };
  }

  /**
   * One 'data' handler per direction that reads and writes on, with pipe()'s backpressure: a second
   * listener beside pipe() would cost an emit per message.
   */
  private pipe(from: Duplex, to: Duplex, direction: Direction, side: 'client' | 'upstream'): void {
    from.on('data', (chunk: Buffer) => {
      this.observe(direction, side, chunk);
      if (this.relaying && !to.write(chunk)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    });
    from.once('end', () => {
      if (this.relaying) to.end();
    });
  }

  private readonly destroyBoth = (): void => {
    this.sockets.client.destroy();
    this.sockets.upstream.destroy();
  };

  readonly goAway = (): Promise<void> => {
    const { client, upstream } = this.sockets;
    this.relaying = false;
    this.firstClose ??= { by: 'proxy', code: GOING_AWAY };
    if (this.fromUpstream.closes.canInsertFrame) client.write(closeFrame(GOING_AWAY, false));
    if (this.fromClient.closes.canInsertFrame) upstream.write(closeFrame(GOING_AWAY, true));
    client.end();
    upstream.end();
    setTimeout(this.destroyBoth, GOING_AWAY_GRACE_MS).unref();
    return this.closed;
  };

  private readonly finish = (): void => {
    this.destroyBoth();
    if (this.finished) return;
    this.finished = true;
    this.openRelays.delete(this.goAway);
    if (!this.accessLog.wants('websocket-closed')) return;
    const { req, path, target, rule, prefix } = this.label;
    this.accessLog.record(
      {
        kind: 'websocket-closed',
        path,
        target,
        rule,
        prefix,
        closeCode: this.firstClose?.code,
        closedBy: this.firstClose?.by ?? 'connection',
        bytesIn: this.fromClient.bytes,
        bytesOut: this.fromUpstream.bytes,
        duration: Math.round(performance.now() - this.started),
      },
      req,
    );
  };
}

/** Relays until either side closes; registered in `openRelays` meanwhile. Its byte counts read live. */
export function relay(sockets: RelaySockets, label: RelayLabel, accessLog: AccessLog, openRelays: OpenRelays): LiveBytes {
  return new Relay(sockets, label, accessLog, openRelays);
}
