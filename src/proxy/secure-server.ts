// The listening server of --https: TLS with HTTP/2 and HTTP/1.1 chosen by ALPN (node:http2 with
// allowHTTP1), so browsers multiplex a page's modules over one connection while WebSocket
// handshakes and HTTP/1.1 clients keep working on the same port (docs/https.md). The same
// 'request', 'upgrade' and 'connect' events as node:http's server reach the same handlers.
import { createSecureServer, type Http2SecureServer, type Http2Session } from 'node:http2';
import type { Server } from 'node:http';
import type { TLSSocket } from 'node:tls';

export interface TlsMaterial {
  /** PEM: the leaf, then any intermediates. */
  readonly cert: string;
  readonly key: string;
}

export interface ServerTimeouts {
  readonly headersTimeoutMs: number;
  readonly connectionsCheckingIntervalMs: number;
}

export interface SecureServer {
  /** Typed as node:http's Server: the events and listen/close the assembly uses are the same. */
  readonly server: Server;
  /** Stop: HTTP/2 connections get GOAWAY (open streams finish), idle HTTP/1.1 ones close. */
  closeIdle(): void;
  /** After the grace: every connection still open is cut. */
  closeAll(): void;
}

/** Node's own keep-alive timeout for HTTP/1.1, which the HTTP/2 server does not set for its HTTP/1.1 side. */
const KEEP_ALIVE_TIMEOUT_MS = 5_000;

export function createSecureProxyServer(material: TlsMaterial, timeouts: ServerTimeouts): SecureServer {
  const server: Http2SecureServer = createSecureServer({
    cert: material.cert,
    key: material.key,
    allowHTTP1: true,
    // WebSockets over HTTP/2 (RFC 8441) are not offered: browsers then open them over HTTP/1.1.
    settings: { enableConnectProtocol: false },
  });
  // The HTTP/1.1 side reads node:http's settings from the server object.
  Object.assign(server, {
    headersTimeout: timeouts.headersTimeoutMs,
    // Uploads of gigabytes: no whole-request deadline, only the headers one.
    requestTimeout: 0,
    connectionsCheckingInterval: timeouts.connectionsCheckingIntervalMs,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
  });
  const sessions = new Set<Http2Session>();
  const sockets = new Set<TLSSocket>();
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return {
    server: server as unknown as Server,
    closeIdle() {
      for (const session of sessions) session.close();
      // Present at run time for the HTTP/1.1 side (allowHTTP1); @types/node does not declare it.
      (server as unknown as Server).closeIdleConnections();
    },
    closeAll() {
      for (const socket of sockets) socket.destroy();
    },
  };
}
