// HTTP/2 requests (--https) reach the same handlers as HTTP/1.1 ones, as Node's compatibility
// objects (Http2ServerRequest / Http2ServerResponse), which the server hands over typed as
// IncomingMessage / ServerResponse. They differ from those in a few places, gathered here so the
// request path asks one question instead of knowing HTTP/2 (docs/https.md).
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { constants, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';

export function isHttp2(req: IncomingMessage): boolean {
  return req.httpVersionMajor === 2;
}

/** The client's connection is TLS (the proxy's --https), whatever the HTTP version on it. */
export function isTls(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
}

/**
 * Whether a body follows the head. HTTP/2 frames bodies itself: Content-Length may be absent, and
 * a request without one ends its stream with its headers.
 */
export function hasRequestBody(req: IncomingMessage): boolean {
  if (isHttp2(req)) return !(req as unknown as Http2ServerRequest).stream.endAfterHeaders;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Gone, or going: an HTTP/2 response has no `destroyed` of its own, its stream has. */
export function responseGone(req: IncomingMessage, res: ServerResponse): boolean {
  return isHttp2(req) ? (res as unknown as Http2ServerResponse).stream.destroyed : res.destroyed;
}

/** HTTP/2 has no reason phrase: passing one makes Node warn, so it is left out there. */
export function writeResponseHead(req: IncomingMessage, res: ServerResponse, status: number, statusText: string | undefined, headers: readonly string[] | OutgoingHttpHeaders): void {
  const flat = headers as string[];
  if (isHttp2(req)) res.writeHead(status, flat);
  else res.writeHead(status, statusText, flat);
}

/**
 * After an early answer, the client may still be sending a body nobody reads. Over HTTP/1.1 it
 * would be parsed as the next request, so the connection goes; over HTTP/2 only the stream does
 * (RST_STREAM CANCEL), and the connection's other requests go on.
 */
export function dropUnreadBody(req: IncomingMessage, res: ServerResponse): void {
  if (isHttp2(req)) (res as unknown as Http2ServerResponse).stream.close(constants.NGHTTP2_CANCEL);
  else req.socket.destroy();
}
