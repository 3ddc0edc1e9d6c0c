// How browsers, Django, Vite and engine.io decide whether a host or origin is "theirs": each rule
// copied from the code that applies it, so doctor judges the public URL, and verify the cookies it
// is given, as they will.
import { isIP } from 'node:net';

/** A hostname as URL gives it: lower case, IPv6 in brackets; a trailing dot dropped, as Django does. */
export function normalizeHost(hostname: string): string {
  return hostname.toLowerCase().replace(/\.$/, '');
}

function bare(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function isIpHost(host: string): boolean {
  return isIP(bare(host)) !== 0;
}

/** Hosts Chromium and Firefox treat as secure contexts over http, so they still send Secure cookies. */
export function isLoopbackHost(host: string): boolean {
  const name = bare(normalizeHost(host));
  return name === 'localhost' || name.endsWith('.localhost') || name === '::1' || (isIP(name) === 4 && name.startsWith('127.'));
}

/** Django's validate_host(); with DEBUG and an empty list, its development defaults. */
export function djangoAdmitsHost(host: string, allowedHosts: readonly string[], debug: boolean): boolean {
  const name = normalizeHost(host);
  const patterns = debug && allowedHosts.length === 0 ? DJANGO_DEBUG_HOSTS : allowedHosts;
  return patterns.some((raw) => {
    const pattern = raw.toLowerCase();
    return pattern === '*' || pattern === name || (pattern.startsWith('.') && (name.endsWith(pattern) || name === pattern.slice(1)));
  });
}

const DJANGO_DEBUG_HOSTS = Object.freeze(['.localhost', '127.0.0.1', '[::1]']);

/** RFC 6265 §5.1.3 domain-match of a cookie's Domain attribute (leading dot ignored) against the host. */
export function cookieDomainMatches(domain: string, host: string): boolean {
  const cookieDomain = normalizeHost(domain.replace(/^\./, ''));
  const name = normalizeHost(host);
  if (cookieDomain === name || bare(cookieDomain) === bare(name)) return true;
  return !isIpHost(name) && name.endsWith(`.${cookieDomain}`);
}

/** RFC 6265 §5.1.4 path-match: is a cookie with Path `cookiePath` sent to `requestPath`? */
export function cookiePathMatches(cookiePath: string, requestPath: string): boolean {
  if (cookiePath === requestPath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

/**
 * Django's CsrfViewMiddleware._origin_verified against CSRF_TRUSTED_ORIGINS: an exact origin, or a
 * `scheme://*.domain` pattern matching the host and its subdomains (port included in the match).
 */
export function trustedOriginsAdmit(trusted: readonly string[], origin: string): boolean {
  const { protocol, host } = new URL(origin);
  return trusted.some((entry) => {
    if (entry === origin) return true;
    const match = /^([a-z][a-z0-9+.-]*):\/\/\*(\.[^/]+)$/i.exec(entry);
    if (match === null || `${match[1]!.toLowerCase()}:` !== protocol) return false;
    const pattern = match[2]!.toLowerCase();
    return host.endsWith(pattern) || host === pattern.slice(1);
  });
}

/**
 * engine.io's origin check (python-engineio `cors_allowed_origins`): `*` admits all, `[]` turns the
 * check off, otherwise the browser's Origin must be one of the strings exactly.
 */
export function socketOriginsAdmit(allowed: unknown, origin: string): boolean {
  if (allowed === '*') return true;
  if (typeof allowed === 'string') return allowed === origin;
  if (!Array.isArray(allowed)) return false;
  return allowed.length === 0 || allowed.includes('*') || allowed.includes(origin);
}

/**
 * Vite's host check (server.allowedHosts): localhost, `*.localhost` and IP addresses always pass;
 * `true` admits every host; an entry `.example.com` admits the domain and its subdomains.
 */
export function viteAdmitsHost(host: string, allowedHosts: unknown, extra?: string): boolean {
  const name = normalizeHost(host);
  if (isIpHost(name) || name === 'localhost' || name.endsWith('.localhost')) return true;
  if (allowedHosts === true) return true;
  const list = [...(Array.isArray(allowedHosts) ? allowedHosts : []), ...(extra === undefined || extra === '' ? [] : [extra])];
  return list.some((entry) => {
    if (typeof entry !== 'string') return false;
    const pattern = entry.toLowerCase();
    return pattern === name || (pattern.startsWith('.') && (name.endsWith(pattern) || name === pattern.slice(1)));
  });
}
