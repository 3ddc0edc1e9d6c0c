// A Socket.IO client that connects as Reflex's client does (path and namespace /_event, WebSocket
// only, its version offered as subprotocol) and asks the stand-in who it thinks is logged in.
import { io, type Socket } from 'socket.io-client';

export const REFLEX_VERSION = '0.9.8';

/** What the python-socketio stand-in saw in the handshake. */
export interface WhoAmI {
  user: string | null;
  origin: string | null;
  cookieNames: string[];
  xForwardedFor: string | null;
  host: string | null;
  userAgent?: string | null;
}

export interface ReflexSocketAnswer {
  /** The stand-in's `hello`, sent on connect. */
  hello: WhoAmI;
  /** Its answer to `whoami`. */
  info: WhoAmI;
  /** The subprotocol the handshake chose (ws itself fails one that lacks the offered one). */
  protocol: string | undefined;
}

export interface WhoamiOptions {
  /** The engine.io path: /_event, or under the backend path (REFLEX_BACKEND_PATH). */
  eventPath?: string;
  /** For an https base URL, the CA to trust (the socket is then wss://). */
  ca?: string;
}

export async function reflexSocketWhoami(baseUrl: string, headers: Record<string, string> = {}, options: WhoamiOptions = {}): Promise<ReflexSocketAnswer> {
  const socket: Socket = io(`${baseUrl}/_event`, {
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    path: options.eventPath ?? '/_event',
    transports: ['websocket'],
    protocols: [REFLEX_VERSION],
    reconnection: false,
    timeout: 10_000,
    extraHeaders: headers,
  });
  try {
    const hello = new Promise<WhoAmI>((resolve) => socket.once('hello', resolve));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    const transport = socket.io.engine.transport as unknown as { ws?: { protocol?: string } };
    const info = (await socket.timeout(5000).emitWithAck('whoami')) as WhoAmI;
    return { hello: await hello, info, protocol: transport.ws?.protocol };
  } finally {
    socket.close();
  }
}
