// Upstreams that misbehave on purpose, in one in-process server whose behaviour is chosen by the
// last path segment, and which records every request that reaches it (headers as raw lines, the
// body, and for a WebSocket handshake the bytes that came with it):
//   …/early-hints   sends 103 (Link) and then 200 with a body, as Django 5.x apps and CDNs' origins do
//   …/event-stream  sends 200 text/event-stream headers at once, and no event until the client leaves
//   …/silent        accepts and reads the request, then never answers (plain request or handshake)
//   anything else   an echo: 200 with the request as JSON; a handshake gets its 101 once the body
//                   its Content-Length announces has arrived, as a server that reads it first would
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TeardownHost } from './process.js';

const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface Arrival {
  readonly kind: 'http' | 'upgrade';
  readonly method: string;
  readonly url: string;
  /** [name, value, …] as received. */
  readonly rawHeaders: readonly string[];
  /** The body (latin1); for a handshake, the bytes sent after its head before the 101. */
  body: string;
}

export interface FaultyUpstream {
  readonly url: string;
  readonly port: number;
  /** Every request so far, in arrival order. */
  readonly arrivals: Arrival[];
  /** Every value of header `name` in `arrival`, one per line. */
  lines(arrival: Arrival, name: string): string[];
  /** Switched connections not closed yet. Like many servers, it never ends one on a FIN. */
  openUpgrades(): number;
}

function behaviour(url: string): string {
  return url.split('?')[0]!.split('/').at(-1) ?? '';
}

function lines(arrival: Arrival, name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < arrival.rawHeaders.length; i += 2) {
    if (arrival.rawHeaders[i]!.toLowerCase() === name) out.push(arrival.rawHeaders[i + 1]!);
  }
  return out;
}

function switchProtocols(socket: Duplex, req: IncomingMessage): void {
  const accept = createHash('sha1').update(`${req.headers['sec-websocket-key'] ?? ''}${WEBSOCKET_GUID}`).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
}

export async function startFaultyUpstream(t: TeardownHost): Promise<FaultyUpstream> {
  const arrivals: Arrival[] = [];
  const sockets = new Set<Duplex>();
  const upgraded = new Set<Duplex>();
  const record = (kind: Arrival['kind'], req: IncomingMessage): Arrival => {
    const arrival: Arrival = { kind, method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders, body: '' };
    arrivals.push(arrival);
    return arrival;
  };

  const server: Server = createServer((req, res) => {
    const arrival = record('http', req);
    req.setEncoding('latin1');
    req.on('data', (chunk: string) => (arrival.body += chunk));
    switch (behaviour(arrival.url)) {
      case 'silent':
        return;
      case 'event-stream':
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
        res.flushHeaders();
        return;
      case 'early-hints':
        res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
        req.on('end', () => res.end('after the hints'));
        return;
      default:
        req.on('end', () => {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(arrival));
        });
    }
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket: Duplex) => socket.destroy());
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const arrival = record('upgrade', req);
    sockets.add(socket);
    upgraded.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      upgraded.delete(socket);
    });
    if (behaviour(arrival.url) === 'silent') {
      socket.resume();
      return;
    }
    const announced = Number(req.headers['content-length'] ?? 0);
    let answered = false;
    const take = (chunk: Buffer): void => {
      if (answered) return;
      arrival.body += chunk.toString('latin1');
      if (arrival.body.length < announced) return;
      answered = true;
      switchProtocols(socket, req);
    };
    take(head);
    socket.on('data', take);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  t.teardown(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${port}`, port, arrivals, lines, openUpgrades: () => upgraded.size };
}
