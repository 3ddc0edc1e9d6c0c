// rxconfig.py keywords that send the browser elsewhere or make Reflex's servers refuse the public
// origin. A keyword that is not a literal cannot be judged statically: it is a warning saying so.
import { type Finding, fixAt, type Location, type Severity } from './finding.js';
import { socketOriginsAdmit, viteAdmitsHost } from './hosts.js';
import { pythonRepr } from './python-repr.js';
import { browserEndpoint, reflexApiUrl } from '../config/reflex-backend-url.js';
import type { DoctorInput, PublicOrigin, RxconfigInput } from './input.js';

type RxconfigRule = (rx: RxconfigInput, origin: PublicOrigin, input: DoctorInput) => Finding[];

function keywordFinding(rx: RxconfigInput, severity: Severity, keyword: string, why: string, change: string): Finding {
  const given = rx.keywords[keyword];
  const location: Location = { file: rx.file, line: given?.line ?? rx.callLine };
  return {
    severity,
    source: 'rxconfig',
    setting: keyword,
    value: given?.literal === true ? given.value : null,
    valueText: given === undefined ? 'not set' : given.literal ? pythonRepr(given.value) : given.source,
    why,
    fix: fixAt(location, change),
    location,
  };
}

function notLiteral(rx: RxconfigInput, keyword: string, mustBe: string, change: string): Finding {
  return keywordFinding(rx, 'warning', keyword, `not a literal, so it cannot be checked without running it: it must ${mustBe}`, change);
}

function landsAt(value: string, pageUrl: string): URL | undefined {
  try {
    return browserEndpoint(value, pageUrl);
  } catch {
    return undefined;
  }
}

const apiUrl: RxconfigRule = (rx, origin) => {
  const given = rx.keywords.api_url;
  if (given === undefined) return [];
  const { apiUrl: wanted, openInstead } = reflexApiUrl(origin.origin);
  const open = openInstead === undefined ? '' : `, and open ${openInstead}`;
  const change = `delete api_url=${given.source} and let REFLEX_API_URL=${wanted} set it (the proxy sets it for the Reflex it starts)${open}`;
  if (!given.literal) return [notLiteral(rx, 'api_url', `evaluate to ${wanted}, or the browser's socket goes to another origin without the session cookie`, change)];
  // Where Reflex's own client sends the socket, on a page of the public origin.
  const lands = typeof given.value === 'string' ? landsAt(given.value, origin.origin) : undefined;
  if (lands?.origin === origin.origin) return [];
  const portDropped = lands !== undefined && origin.isHttps && lands.hostname === origin.url.hostname && lands.port === '' && origin.url.port !== '';
  const why = portDropped
    ? `Reflex's browser client moves a localhost API URL to the page's host and, on an https page, drops its port: the /_event socket and uploads go to ${lands.origin} (port 443), not ${origin.origin}`
    : `wherever REFLEX_API_URL is not set, the browser's /_event socket and uploads go to ${lands?.origin ?? pythonRepr(given.value)}, not ${origin.origin}, and the session cookie does not go with them`;
  return [keywordFinding(rx, 'error', 'api_url', why, change)];
};

const corsAllowedOrigins: RxconfigRule = (rx, origin) => {
  const given = rx.keywords.cors_allowed_origins;
  if (given === undefined) return [];
  const change = `add ${pythonRepr(origin.origin)} to cors_allowed_origins (or delete the keyword: Reflex's default ['*'] admits it)`;
  if (!given.literal) return [notLiteral(rx, 'cors_allowed_origins', `admit ${origin.origin}, or Reflex's Socket.IO server refuses the page's handshake`, change)];
  if (socketOriginsAdmit(given.value, origin.origin)) return [];
  const entries = Array.isArray(given.value) ? given.value : [given.value];
  const nearly = entries.some((entry) => typeof entry === 'string' && entry.replace(/\/+$/, '').toLowerCase() === origin.origin.toLowerCase());
  const exact = nearly ? ` (the comparison is exact: no trailing slash, ${origin.origin} as the browser writes it)` : '';
  return [keywordFinding(rx, 'error', 'cors_allowed_origins', `Reflex's Socket.IO server refuses a handshake whose Origin is not listed: ${origin.origin} gets 400 "Not an accepted origin" and the page never connects${exact}`, change)];
};

const viteAllowedHosts: RxconfigRule = (rx, origin, input) => {
  if (input.frontendIsDirectory) return [];
  const given = rx.keywords.vite_allowed_hosts;
  if (given !== undefined && !given.literal) {
    if (viteAdmitsHost(origin.host, false, input.viteExtraHost)) return [];
    return [notLiteral(rx, 'vite_allowed_hosts', `list ${pythonRepr(origin.host)} (or be True), or Vite answers 403 to the proxied page`, `make it a list holding ${pythonRepr(origin.host)}`)];
  }
  if (viteAdmitsHost(origin.host, given?.value ?? false, input.viteExtraHost)) return [];
  const change = given === undefined ? `add vite_allowed_hosts=[${pythonRepr(origin.host)}] to the Config(...) call` : `add ${pythonRepr(origin.host)} to vite_allowed_hosts`;
  const why = `the proxy keeps the browser's Host, and Vite answers 403 "Blocked request. This host (\"${origin.host}\") is not allowed": only localhost and IP addresses pass unless listed`;
  // The Reflex the proxy starts is told the host (REFLEX_VITE_ALLOWED_HOSTS); one started otherwise is not.
  if (input.reflexStartedByProxy) return [keywordFinding(rx, 'warning', 'vite_allowed_hosts', `${why}; the Reflex the proxy starts gets it in REFLEX_VITE_ALLOWED_HOSTS, a \`reflex run\` of your own does not`, change)];
  return [keywordFinding(rx, 'error', 'vite_allowed_hosts', why, change)];
};

export const RXCONFIG_RULES: readonly RxconfigRule[] = Object.freeze([apiUrl, corsAllowedOrigins, viteAllowedHosts]);
