// Who may use /__rdp/. The proxy listens on loopback, which a web page on any site can reach from
// the developer's own browser by DNS rebinding (a name of its own that resolves to 127.0.0.1: the
// attack behind Vite's CVE-2025-24010). Such a request carries the attacker's name in Host, so
// /__rdp/ answers only the proxy's own names. An IP address in Host cannot be rebound (it names no
// DNS record), so it passes on any port: what reaches /__rdp/ over the network with
// --expose-status (a container's address, a port mapping) keeps working. What acts (running
// verify) also needs a same-origin Origin and a token that only the page the proxy served knows.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

export const TOKEN_HEADER = 'x-rdp-token';

function withPort(name: string, port: number): string[] {
  return port === 80 ? [name, `${name}:80`] : [`${name}:${port}`];
}

/**
 * The host names /__rdp/ answers besides IP addresses: localhost (and the --host name, if one) on
 * the bound port, and the public URL's host.
 */
export function allowedHosts(options: { port: number; listenHost: string; publicUrl: string | undefined }): ReadonlySet<string> {
  const names = ['localhost'];
  if (!isIPv4(options.listenHost) && !isIPv6(options.listenHost.replace(/^\[|\]$/g, ''))) names.push(options.listenHost.toLowerCase());
  const hosts = new Set(names.flatMap((name) => withPort(name, options.port)));
  if (options.publicUrl !== undefined) {
    const url = new URL(options.publicUrl);
    hosts.add(url.host.toLowerCase());
    // The default port may be written out: https://dev.example and https://dev.example:443 are one origin.
    if (url.port === '') hosts.add(`${url.hostname.toLowerCase()}:${url.protocol === 'https:' ? 443 : 80}`);
  }
  return hosts;
}

function isAddress(host: string): boolean {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (v6 !== null) return isIPv6(v6[1]!);
  return isIPv4(host.replace(/:\d+$/, ''));
}

/** Why a request with this Host header is refused, or undefined when it is the proxy's own. */
/** The Host a request names: its Host header, or over HTTP/2 its :authority; undefined when neither is sent. */
export function hostOf(headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined {
  const host = headers.host ?? headers[':authority'];
  return Array.isArray(host) ? host[0] : host;
}

export function hostRefusal(host: string | undefined, allowed: ReadonlySet<string>): string | undefined {
  if (host !== undefined && (allowed.has(host.toLowerCase()) || isAddress(host))) return undefined;
  const named = host === undefined ? 'a request without a Host header' : `Host ${JSON.stringify(host)}`;
  return (
    `${named} is not this proxy's own name (${[...allowed].join(', ')}, or an IP address): /__rdp/ answers only those, ` +
    'so a web page elsewhere cannot reach it through DNS rebinding; browse the proxy by one of them, or give --public-url the origin you use'
  );
}

/** Why an acting request is refused: it must come from a page of this origin that holds the token. */
export function actionRefusal(origin: string | undefined, host: string | undefined, token: string | undefined, expectedToken: string): string | undefined {
  let originHost: string | undefined;
  try {
    originHost = origin === undefined ? undefined : new URL(origin).host.toLowerCase();
  } catch {
    originHost = undefined;
  }
  if (originHost === undefined || originHost !== host?.toLowerCase()) {
    return `Origin ${origin === undefined ? '(none)' : JSON.stringify(origin)} is not this page's origin: only the dashboard the proxy served may run verify`;
  }
  const given = Buffer.from(token ?? '');
  const expected = Buffer.from(expectedToken);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return `the ${TOKEN_HEADER} header is missing or wrong: only the dashboard the proxy served may run verify (reload /__rdp/)`;
  }
  return undefined;
}

/** A fresh secret per process, written into the dashboard page it serves. */
export function newPageToken(): string {
  return randomBytes(24).toString('base64url');
}
