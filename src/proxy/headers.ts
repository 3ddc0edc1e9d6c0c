// Which headers cross the proxy (docs/routing.md §3), for plain requests and WebSocket handshakes alike.
// Headers stay in Node's flat raw form ([name, value, name, value, …]): order, case and repeated
// lines (Set-Cookie) survive byte for byte, and no object is built per request.
import type { IncomingMessage } from 'node:http';
import { isHttp2, isTls } from './http2-compat.js';

/** RFC 9110 §7.6.1 hop-by-hop fields, plus the Proxy-* family. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

function isHopByHop(lowerName: string, connectionNamed: ReadonlySet<string> | undefined): boolean {
  return HOP_BY_HOP.has(lowerName) || lowerName.startsWith('proxy-') || connectionNamed?.has(lowerName) === true;
}

/**
 * End-to-end headers the contract keeps whatever `Connection` lists: a client naming Host there
 * would make the upstream see its own address (and fail Django's CSRF Origin check), and naming
 * Content-Length would change the body's framing on the way up.
 */
const NEVER_HOP_BY_HOP = new Set(['host', 'cookie', 'set-cookie', 'authorization', 'content-length']);

function connectionTokens(raw: readonly string[]): Set<string> | undefined {
  let tokens: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 10 && raw[i]!.toLowerCase() === 'connection') {
      tokens ??= new Set();
      for (const token of raw[i + 1]!.split(',')) {
        const name = token.trim().toLowerCase();
        if (!NEVER_HOP_BY_HOP.has(name)) tokens.add(name);
      }
    }
  }
  return tokens;
}

/** RFC 7239 §4 quoted-string (always valid, and a host:port needs it for its colon). */
function quoted(value: string): string {
  return value.includes('"') || value.includes('\\') ? `"${value.replace(/["\\]/g, '\\$&')}"` : `"${value}"`;
}

/** This hop's `Forwarded` element: the client's address (an IPv6 one bracketed), its Host, the scheme it used. */
function forwardedElement(address: string, host: string | undefined, scheme: string): string {
  const node = address.includes(':') ? `"[${address}]"` : address;
  return `for=${node}${host === undefined ? '' : `;host=${quoted(host)}`};proto=${scheme}`;
}

function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

interface ForwardedOptions {
  readonly trustProxy: boolean;
  /** A WebSocket handshake keeps `Connection: Upgrade` and `Upgrade`; anything else drops them. */
  readonly isWebSocket: boolean;
}

/**
 * The headers to send upstream: the client's end-to-end headers unchanged (Host included: Django's
 * ALLOWED_HOSTS and CSRF Origin check compare against it), hop-by-hop ones dropped, and
 * X-Forwarded-* and Forwarded set by the proxy — a client's own values kept (and this hop appended)
 * only behind a trusted proxy, so a client cannot claim another address, host or scheme. An
 * HTTP/2 request goes up as HTTP/1.1: `:authority` becomes Host, the other pseudo-headers go,
 * split cookies become one line.
 */
export function upstreamRequestHeaders(req: IncomingMessage, options: ForwardedOptions): string[] {
  const raw = req.rawHeaders;
  const connectionNamed = connectionTokens(raw);
  const out: string[] = [];
  let forwardedFor: string | undefined;
  let forwardedProto: string | undefined;
  let forwardedHost: string | undefined;
  let forwardedPort: string | undefined;
  let forwarded: string | undefined;
  let host: string | undefined;
  // HTTP/2 clients may split Cookie into several fields (RFC 9113 §8.2.3; Chromium does): an
  // HTTP/1.1 server reads one line, so they are joined with "; " into the first one's place.
  const joinCookies = isHttp2(req);
  let cookieAt = -1;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    if (joinCookies && name === 'cookie') {
      if (cookieAt === -1) {
        cookieAt = out.length + 1;
        out.push(name, value);
      } else {
        out[cookieAt] += `; ${value}`;
      }
      continue;
    }
    if (name.charCodeAt(0) === 58 /* : */) {
      // Pseudo-headers come first, so Host keeps its place at the top.
      if (name === ':authority' && host === undefined) {
        host = value;
        out.push('Host', value);
      }
      continue;
    }
    const lower = name.toLowerCase();
    if (lower === 'forwarded') {
      if (options.trustProxy) forwarded = forwarded === undefined ? value : `${forwarded}, ${value}`;
      continue;
    }
    if (lower.startsWith('x-forwarded-')) {
      if (!options.trustProxy) continue;
      if (lower === 'x-forwarded-for') forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
      else if (lower === 'x-forwarded-proto') forwardedProto ??= value;
      else if (lower === 'x-forwarded-host') forwardedHost ??= value;
      else if (lower === 'x-forwarded-port') forwardedPort ??= value;
      else out.push(name, value);
      continue;
    }
    // Expect: the proxy's server has answered 100-continue itself; the body follows regardless.
    if (isHopByHop(lower, connectionNamed) || lower === 'expect') continue;
    if (lower === 'host') {
      // Over HTTP/2 a Host beside :authority says the same; one line of it is sent.
      if (host !== undefined) continue;
      host = value;
    }
    out.push(name, value);
  }
  const address = clientAddress(req);
  const scheme = isTls(req) ? 'https' : 'http';
  out.push(
    'X-Forwarded-For', forwardedFor === undefined ? address : `${forwardedFor}, ${address}`,
    'X-Forwarded-Proto', forwardedProto ?? scheme,
  );
  if (forwardedHost !== undefined || host !== undefined) out.push('X-Forwarded-Host', (forwardedHost ?? host)!);
  out.push('X-Forwarded-Port', forwardedPort ?? String(req.socket.localPort ?? ''));
  const element = forwardedElement(address, host, scheme);
  out.push('Forwarded', forwarded === undefined ? element : `${forwarded}, ${element}`);
  // A body without Content-Length is framed again by undici (chunked) on its way up.
  if (options.isWebSocket) out.push('Connection', 'Upgrade', 'Upgrade', req.headers.upgrade ?? 'websocket');
  return out;
}

/** The scheme and host the client used, for rewriting an upstream's absolute Location. */
export function clientOrigin(req: IncomingMessage, trustProxy: boolean): string | undefined {
  const host = (trustProxy ? firstValue(req.headers['x-forwarded-host']) : undefined) ?? req.headers.host ?? firstValue(req.headers[':authority']);
  if (host === undefined) return undefined;
  const proto = (trustProxy ? firstValue(req.headers['x-forwarded-proto']) : undefined) ?? (isTls(req) ? 'https' : 'http');
  return `${proto}://${host}`;
}

function firstValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first?.split(',')[0]?.trim() || undefined;
}

/**
 * The headers to return to the client: hop-by-hop ones dropped (Node frames the body itself), every
 * Set-Cookie line kept as it is, and a Location pointing at the upstream's own origin moved to
 * the origin the client used. `keepUpgrade` is for a 101 answer, where Upgrade is the point.
 */
export function clientResponseHeaders(
  raw: readonly string[],
  upstreamOrigins: readonly string[],
  originOfClient: () => string | undefined,
  keepUpgrade = false,
): string[] {
  const connectionNamed = connectionTokens(raw);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    let value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (keepUpgrade && (lower === 'upgrade' || lower === 'connection')) {
      out.push(name, value);
      continue;
    }
    if (isHopByHop(lower, connectionNamed)) continue;
    if (lower === 'location') {
      const origin = originOfClient();
      if (origin !== undefined) value = rewriteLocation(value, upstreamOrigins, origin);
    }
    out.push(name, value);
  }
  return out;
}

function rewriteLocation(location: string, upstreamOrigins: readonly string[], origin: string): string {
  for (const upstreamOrigin of upstreamOrigins) {
    if (location.startsWith(upstreamOrigin)) {
      const next = location.charCodeAt(upstreamOrigin.length);
      // Only the whole origin: http://127.0.0.1:8001 must not match http://127.0.0.1:80012.
      if (Number.isNaN(next) || next === 47 /* / */ || next === 63 /* ? */ || next === 35 /* # */) {
        return origin + location.slice(upstreamOrigin.length);
      }
    }
  }
  return location;
}
