// Set-Cookie as a browser judges it on this origin: would it store the cookie, and send it back to
// /_event on the same host? Only the attributes that decide that are read; the host and path rules
// are the browsers' own, shared with doctor.
import { cookieDomainMatches, cookiePathMatches, isLoopbackHost } from '../doctor/hosts.js';

interface ParsedCookie {
  readonly name: string;
  readonly value: string;
  readonly domain: string | undefined;
  readonly path: string | undefined;
  readonly secure: boolean;
  readonly sameSite: string | undefined;
  readonly maxAge: number | undefined;
}

export function parseSetCookie(line: string): ParsedCookie {
  const [pair = '', ...attributes] = line.split(';');
  const equals = pair.indexOf('=');
  const cookie = {
    name: (equals === -1 ? pair : pair.slice(0, equals)).trim(),
    value: equals === -1 ? '' : pair.slice(equals + 1).trim(),
    domain: undefined as string | undefined,
    path: undefined as string | undefined,
    secure: false,
    sameSite: undefined as string | undefined,
    maxAge: undefined as number | undefined,
  };
  for (const attribute of attributes) {
    const [rawKey = '', ...rest] = attribute.split('=');
    const key = rawKey.trim().toLowerCase();
    const value = rest.join('=').trim();
    if (key === 'domain') cookie.domain = value.replace(/^\./, '').toLowerCase();
    else if (key === 'path') cookie.path = value;
    else if (key === 'secure') cookie.secure = true;
    else if (key === 'samesite') cookie.sameSite = value.toLowerCase();
    else if (key === 'max-age') cookie.maxAge = Number(value);
  }
  return cookie;
}

interface CookieProblem {
  readonly severity: 'warn' | 'fail';
  readonly attribute: string;
  readonly reason: string;
  readonly fix: string;
}

export function cookieProblems(cookie: ParsedCookie, origin: URL, setting: string): CookieProblem[] {
  const problems: CookieProblem[] = [];
  const hostname = origin.hostname.toLowerCase();
  if (cookie.secure && origin.protocol === 'http:') {
    problems.push(
      isLoopbackHost(hostname)
        ? { severity: 'warn', attribute: 'Secure', reason: `${cookie.name} is Secure over plain http: Chromium and Firefox still send it to ${hostname}, Safari does not`, fix: `set ${setting}_SECURE = False for local http, or serve the proxy over https` }
        : { severity: 'fail', attribute: 'Secure', reason: `${cookie.name} is Secure but ${origin.origin} is plain http: browsers will not send it back`, fix: `set ${setting}_SECURE = False for http, or put TLS in front` },
    );
  }
  if (cookie.domain !== undefined && !cookieDomainMatches(cookie.domain, hostname)) {
    problems.push({ severity: 'fail', attribute: 'Domain', reason: `${cookie.name} has Domain=${cookie.domain}, which does not cover ${hostname}: browsers reject it`, fix: `set ${setting}_DOMAIN = None (one origin needs no Domain)` });
  }
  if (cookie.sameSite === 'none' && !cookie.secure) {
    problems.push({ severity: 'fail', attribute: 'SameSite', reason: `${cookie.name} is SameSite=None without Secure: browsers reject it`, fix: `set ${setting}_SAMESITE = "Lax" (one origin needs no cross-site cookie)` });
  }
  if (cookie.path !== undefined && !cookiePathMatches(cookie.path, '/_event')) {
    problems.push({ severity: 'fail', attribute: 'Path', reason: `${cookie.name} has Path=${cookie.path}, so it is not sent to /_event`, fix: `set ${setting}_PATH = "/"` });
  }
  return problems;
}
