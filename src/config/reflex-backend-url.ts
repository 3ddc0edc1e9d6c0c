// Reflex's browser client does not use .web/env.json's URLs as written: getBackendURL
// (.web/utils/state.js) moves an endpoint on `localhost`, `0.0.0.0` or `::` to the page's own host,
// and on an https page also switches to wss:/https: and drops the port ("assume websocket is on
// https port via load balancer"). So over https on any port but 443, an API URL on localhost sends
// the socket to port 443 (docs/upstreams.md). The supervisor (choosing REFLEX_API_URL), doctor
// (reading env.json and api_url) and the running proxy's socket check (reflex-endpoints.ts) all ask
// this one rule.

/** Compared, as the client compares them, with `new URL(endpoint).hostname`. */
const SAME_DOMAIN_HOSTNAMES = Object.freeze(['localhost', '0.0.0.0', '::']);

/** The host REFLEX_API_URL uses instead of `localhost` over https: an address Reflex keeps. */
export const KEPT_HOST = '127.0.0.1';

/** Where the browser really opens `endpoint` (an env.json URL) from a page at `pageUrl`. */
export function browserEndpoint(endpoint: string, pageUrl: string): URL {
  const url = new URL(endpoint);
  const page = new URL(pageUrl);
  if (!SAME_DOMAIN_HOSTNAMES.includes(url.hostname)) return url;
  url.hostname = page.hostname;
  if (page.protocol === 'https:') {
    if (url.protocol === 'ws:') url.protocol = 'wss:';
    else if (url.protocol === 'http:') url.protocol = 'https:';
    url.port = '';
  }
  return url;
}

export interface ReflexApiUrl {
  /** For REFLEX_API_URL and API_URL. */
  readonly apiUrl: string;
  /** Set when it differs from the public URL: the origin to open, since cookies are per host. */
  readonly openInstead?: string;
}

/** The public origin, unless Reflex's client would drop its port: then the same origin on 127.0.0.1. */
export function reflexApiUrl(publicUrl: string): ReflexApiUrl {
  const url = new URL(publicUrl);
  if (browserEndpoint(publicUrl, publicUrl).origin === url.origin) return { apiUrl: publicUrl };
  url.hostname = KEPT_HOST;
  const apiUrl = url.origin;
  return { apiUrl, openInstead: apiUrl };
}
