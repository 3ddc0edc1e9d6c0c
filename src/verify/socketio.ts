// The Reflex socket's handshake as Reflex's client performs it: a WebSocket to
// /_event/?EIO=4&transport=websocket offering a subprotocol, then a Socket.IO CONNECT to the
// /_event namespace. Each way it can fail is told apart, so verify can name the cause.
import WebSocket from 'ws';
import { parseRoute, ROUTE_HEADER, type RouteTaken } from './route-header.js';

interface HandshakeOutcome {
  /** The HTTP status of a refused handshake. */
  readonly refusedWith?: { readonly status: number; readonly body: string };
  readonly subprotocol?: string;
  /** The namespace accepted the CONNECT. */
  readonly connected: boolean;
  /** What went wrong, when it did not connect. */
  readonly problem?: string;
  /** Where the proxy sent the handshake, from the 101's or the refusal's X-RDP-Route. */
  readonly route?: RouteTaken;
}

interface HandshakeOptions {
  readonly origin: string;
  readonly cookie?: string;
  readonly protocol: string;
  readonly namespace: string;
  readonly timeoutMs: number;
  /** Certificates to trust over wss: (verify's list); undefined: Node's own. */
  readonly ca?: readonly string[] | undefined;
}

export function socketIoHandshake(url: URL, options: HandshakeOptions): Promise<HandshakeOutcome> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { Origin: options.origin };
    if (options.cookie !== undefined) headers.Cookie = options.cookie;
    const ws = new WebSocket(url, [options.protocol], { headers, handshakeTimeout: options.timeoutMs, perMessageDeflate: false, ...(options.ca === undefined ? {} : { ca: [...options.ca] }) });
    let settled = false;
    let route: RouteTaken | undefined;
    const finish = (outcome: HandshakeOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.removeAllListeners('message');
      ws.on('error', () => {});
      ws.terminate();
      resolve(route === undefined ? outcome : { ...outcome, route });
    };
    ws.on('upgrade', (response) => (route = parseRoute(response.headers[ROUTE_HEADER])));
    const timer = setTimeout(() => finish({ connected: false, subprotocol: ws.protocol || undefined, problem: `no Socket.IO answer within ${options.timeoutMs} ms` }), options.timeoutMs);
    ws.on('unexpected-response', (_request, response) => {
      route = parseRoute(response.headers[ROUTE_HEADER]);
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk.slice(0, 2048)));
      response.on('end', () => finish({ connected: false, refusedWith: { status: response.statusCode ?? 0, body: body.trim() } }));
      response.on('error', () => finish({ connected: false, refusedWith: { status: response.statusCode ?? 0, body: body.trim() } }));
    });
    ws.on('error', (error) => finish({ connected: false, problem: error.message }));
    ws.on('close', (code) => finish({ connected: false, subprotocol: ws.protocol || undefined, problem: `the socket closed (code ${code}) before the namespace answered` }));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const packet = data.toString();
      const subprotocol = ws.protocol || undefined;
      if (packet.startsWith('0')) ws.send(`40${options.namespace},`);
      else if (packet === '2') ws.send('3');
      else if (packet.startsWith(`40${options.namespace}`)) finish({ connected: true, subprotocol });
      else if (packet.startsWith(`44${options.namespace}`)) {
        finish({ connected: false, subprotocol, problem: `the ${options.namespace} namespace refused the connection: ${packet.slice(packet.indexOf(',') + 1)}` });
      }
    });
  });
}
