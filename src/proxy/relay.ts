// After the handshake, a raw byte pipe both ways (docs/routing.md §3): frames are never parsed or
// re-framed, so permessage-deflate and message sizes pass untouched. Frame headers are only skipped
// through, to read the close code for the access record and to know where a 1001 frame fits.
//
// A relay is held for as long as its WebSocket is open, by the thousand, so it is kept small: one
// object per relay, found from its two sockets through one property, and listeners shared by every
// relay (`this` is the socket that emitted) instead of closures, contexts and once-wrappers per
// socket. Nothing from the handshake is kept but the request the access record is keyed on.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AccessLog, LiveBytes, WebSocketClosed } from './access-log.js';
import type { OpenRelays, Relaying } from './open-relays.js';
import { CloseCodeReader, closeFrame, GOING_AWAY } from './ws-close-code.js';

/**
 * How long the sides of a closing relay get to finish (a close frame still on its way) once the
 * proxy said "going away" or one side ended its TCP stream. Then both are destroyed: a WebSocket
 * has no use for a half-closed connection, and an upstream that ignores the client's FIN (the
 * client's side of the proxy allows half-open sockets, as Node's HTTP server does) would otherwise
 * hold both sockets for ever.
 */
const CLOSING_GRACE_MS = 1_000;

const RELAY = Symbol('relay');

/** A relayed socket knows its relay: the shared listeners below start from there. */
type RelaySocket = Duplex & { [RELAY]?: Relay };

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

function onData(this: RelaySocket, chunk: Buffer): void {
  this[RELAY]!.carry(this, chunk);
}

function onDrain(this: RelaySocket): void {
  this[RELAY]!.drained(this);
}

function onEnd(this: RelaySocket): void {
  this[RELAY]!.ended(this);
}

function onError(this: RelaySocket): void {
  this[RELAY]!.destroyBoth();
}

function onClose(this: RelaySocket): void {
  this[RELAY]!.socketClosed();
}

class Relay implements LiveBytes, Relaying {
  bytesIn = 0;
  bytesOut = 0;
  private readonly started = performance.now();
  private readonly closesFromClient = new CloseCodeReader();
  private readonly closesFromUpstream = new CloseCodeReader();
  /** The side whose close frame came first; the other side's is only the echo of it. */
  private firstClose: { by: WebSocketClosed['closedBy']; code: number } | undefined;
  private relaying = true;
  /** Sockets not closed yet: the record is written at the first close, goAway() waits for both. */
  private openSockets = 2;
  private bothClosed: (() => void) | undefined;

  constructor(
    private readonly client: RelaySocket,
    private readonly upstream: RelaySocket,
    private readonly label: RelayLabel,
    private readonly accessLog: AccessLog,
    private readonly openRelays: OpenRelays,
  ) {}

  start(clientHead: Buffer, upstreamHead: Buffer): void {
    // The first frames often arrive with the handshake: count them, and keep the readers in step.
    if (upstreamHead.length > 0) this.observe(this.upstream, upstreamHead);
    if (clientHead.length > 0) this.observe(this.client, clientHead);
    for (const socket of [this.client, this.upstream]) {
      socket[RELAY] = this;
      socket.on('data', onData);
      socket.on('drain', onDrain);
      socket.on('end', onEnd);
      socket.on('error', onError);
      socket.on('close', onClose);
    }
    this.openRelays.add(this);
  }

  private other(socket: RelaySocket): RelaySocket {
    return socket === this.client ? this.upstream : this.client;
  }

  private observe(from: RelaySocket, chunk: Buffer): void {
    const fromClient = from === this.client;
    const closes = fromClient ? this.closesFromClient : this.closesFromUpstream;
    if (fromClient) this.bytesIn += chunk.length;
    else this.bytesOut += chunk.length;
    closes.push(chunk);
    if (this.firstClose === undefined && closes.closeCode !== undefined) this.firstClose = { by: fromClient ? 'client' : 'upstream', code: closes.closeCode };
  }

  /** One handler per direction that reads and writes on, with pipe()'s backpressure. */
  carry(from: RelaySocket, chunk: Buffer): void {
    this.observe(from, chunk);
    if (this.relaying && !this.other(from).write(chunk)) from.pause();
  }

  /** `to` can take more: the side writing to it reads again (a no-op unless it was paused). */
  drained(to: RelaySocket): void {
    this.other(to).resume();
  }

  ended(from: RelaySocket): void {
    if (!this.relaying) return;
    this.other(from).end();
    this.destroyAfterGrace();
  }

  private destroyAfterGrace(): void {
    setTimeout(() => this.destroyBoth(), CLOSING_GRACE_MS).unref();
  }

  destroyBoth(): void {
    this.client.destroy();
    this.upstream.destroy();
  }

  goAway(): Promise<void> {
    this.relaying = false;
    this.firstClose ??= { by: 'proxy', code: GOING_AWAY };
    if (this.closesFromUpstream.canInsertFrame) this.client.write(closeFrame(GOING_AWAY, false));
    if (this.closesFromClient.canInsertFrame) this.upstream.write(closeFrame(GOING_AWAY, true));
    this.client.end();
    this.upstream.end();
    this.destroyAfterGrace();
    if (this.openSockets === 0) return Promise.resolve();
    return new Promise((resolve) => (this.bothClosed = resolve));
  }

  socketClosed(): void {
    this.destroyBoth();
    this.openSockets -= 1;
    if (this.openSockets === 0) {
      this.bothClosed?.();
      return;
    }
    this.openRelays.delete(this);
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
        bytesIn: this.bytesIn,
        bytesOut: this.bytesOut,
        duration: Math.round(performance.now() - this.started),
      },
      req,
    );
  }
}

/** Relays until either side closes; registered in `openRelays` meanwhile. Its byte counts read live. */
export function relay(sockets: RelaySockets, label: RelayLabel, accessLog: AccessLog, openRelays: OpenRelays): LiveBytes {
  const relaying = new Relay(sockets.client, sockets.upstream, label, accessLog, openRelays);
  relaying.start(sockets.clientHead, sockets.upstreamHead);
  return relaying;
}
