// The Django settings that break one-origin sessions (docs/upstreams.md): each rule reads the settings,
// the public origin and the proxy's own behaviour (Host kept, X-Forwarded-* replaced unless
// --trust-proxy), and returns its findings.
import { type Finding, fixAt, type Location, type Severity } from './finding.js';
import { cookieDomainMatches, cookiePathMatches, djangoAdmitsHost, isLoopbackHost, trustedOriginsAdmit } from './hosts.js';
import { pythonRepr } from './python-repr.js';
import type { DjangoInput, DoctorInput, PublicOrigin } from './input.js';

type DjangoRule = (django: DjangoInput, origin: PublicOrigin, input: DoctorInput) => Finding[];

function locate(django: DjangoInput, name: string): Location | null {
  return django.locations[name] ?? (django.settingsFile === null ? null : { file: django.settingsFile, line: null });
}

// JSON turns these tuples into lists; shown as the settings file writes them.
const TUPLE_SETTINGS = new Set(['SECURE_PROXY_SSL_HEADER']);

function finding(django: DjangoInput, severity: Severity, setting: string, why: string, change: string): Finding {
  const value = django.settings[setting] ?? null;
  const location = locate(django, setting);
  const valueText = TUPLE_SETTINGS.has(setting) && Array.isArray(value) ? `(${value.map(pythonRepr).join(', ')})` : pythonRepr(value);
  return { severity, source: 'django', setting, value, valueText, why, fix: fixAt(location, change), location };
}

const COOKIES = [
  { prefix: 'SESSION', what: 'the session cookie', breaks: 'no login survives' },
  { prefix: 'CSRF', what: 'the CSRF cookie', breaks: 'every form post, the admin login included, fails the CSRF check' },
] as const;

/** CSRF_USE_SESSIONS keeps the token in the session: the CSRF cookie is never set. */
function cookieInUse(django: DjangoInput, prefix: string): boolean {
  return prefix !== 'CSRF' || django.settings.CSRF_USE_SESSIONS !== true;
}

const cookieSecure: DjangoRule = (django, origin) =>
  COOKIES.flatMap(({ prefix, what, breaks }) => {
    const setting = `${prefix}_COOKIE_SECURE`;
    if (!cookieInUse(django, prefix)) return [];
    if (origin.isHttps) {
      if (django.settings[setting] === true) return [];
      return [finding(django, 'warning', setting, `${origin.origin} is https but ${what} has no Secure flag: the browser would send it over plain http too, and this is not what production with ${setting} = True sends`, `set ${setting} = True for https (keep False where the site is plain http)`)];
    }
    if (django.settings[setting] !== true) return [];
    const change = `set ${setting} = False for this http origin (or serve ${origin.host} over https)`;
    if (isLoopbackHost(origin.host)) {
      return [finding(django, 'warning', setting, `${origin.origin} is plain http: Chromium and Firefox still send a Secure cookie to ${origin.host}, Safari does not, so in Safari ${breaks}`, change)];
    }
    return [finding(django, 'error', setting, `${origin.origin} is plain http: browsers do not send a Secure cookie there, so ${what} never comes back and ${breaks}`, change)];
  });

const cookieDomain: DjangoRule = (django, origin) =>
  COOKIES.flatMap(({ prefix, what, breaks }) => {
    const setting = `${prefix}_COOKIE_DOMAIN`;
    const domain = django.settings[setting];
    if (typeof domain !== 'string' || domain === '' || !cookieInUse(django, prefix) || cookieDomainMatches(domain, origin.host)) return [];
    return [finding(django, 'error', setting, `browsers refuse a cookie with Domain=${domain} from ${origin.host}, so ${what} is never stored and ${breaks}`, `set ${setting} = None: a host-only cookie is what one origin needs`)];
  });

const cookieSameSite: DjangoRule = (django) =>
  COOKIES.flatMap(({ prefix, what, breaks }) => {
    const setting = `${prefix}_COOKIE_SAMESITE`;
    const sameSite = django.settings[setting];
    if (typeof sameSite !== 'string' || sameSite.toLowerCase() !== 'none' || !cookieInUse(django, prefix)) return [];
    const change = `set ${setting} = 'Lax' (Django's default): one origin makes no cross-site requests`;
    if (django.settings[`${prefix}_COOKIE_SECURE`] !== true) {
      return [finding(django, 'error', setting, `browsers reject SameSite=None without Secure, so ${what} is never stored and ${breaks}`, change)];
    }
    return [finding(django, 'warning', setting, `unnecessary on one origin, and risky: SameSite=None lets other sites' requests carry ${what}`, change)];
  });

const sessionCookiePath: DjangoRule = (django, _origin, input) => {
  const path = django.settings.SESSION_COOKIE_PATH;
  if (typeof path !== 'string' || cookiePathMatches(path, input.eventPath)) return [];
  return [finding(django, 'error', 'SESSION_COOKIE_PATH', `the browser sends the session cookie only under ${path}, not to ${input.eventPath}, so the Reflex socket never sees the login`, "set SESSION_COOKIE_PATH = '/'")];
};

const allowedHosts: DjangoRule = (django, origin) => {
  const hosts = django.settings.ALLOWED_HOSTS;
  const list = Array.isArray(hosts) ? hosts.filter((host): host is string => typeof host === 'string') : [];
  const debug = django.settings.DEBUG === true;
  if (djangoAdmitsHost(origin.host, list, debug)) return [];
  const debugNote = debug && list.length === 0 ? ' (with DEBUG and an empty list only localhost, *.localhost, 127.0.0.1 and [::1] pass)' : '';
  return [finding(django, 'error', 'ALLOWED_HOSTS', `the proxy keeps the browser's Host (${origin.url.host}) and Django answers 400 "Invalid HTTP_HOST header" to a host it does not allow${debugNote}`, `add ${pythonRepr(origin.host)} to ALLOWED_HOSTS`)];
};

interface SslHeader {
  readonly value: string;
  /** The header as sent: HTTP_X_FORWARDED_PROTO → X-Forwarded-Proto. */
  readonly name: string;
  /** An X-Forwarded-* header: replaced or dropped by the proxy unless --trust-proxy. */
  readonly forwarded: boolean;
}

function sslHeaderOf(django: DjangoInput): SslHeader | undefined {
  const setting = django.settings.SECURE_PROXY_SSL_HEADER;
  if (!Array.isArray(setting) || typeof setting[0] !== 'string') return undefined;
  const meta = setting[0];
  const name = meta
    .replace(/^HTTP_/, '')
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('-');
  return { value: String(setting[1]), name, forwarded: meta.startsWith('HTTP_X_FORWARDED_') };
}

const SSL_HEADER_LINE = "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')";

/** Whether Django's request.is_secure() holds for a request through the proxy. */
function djangoSeesHttps(django: DjangoInput, origin: PublicOrigin, input: DoctorInput): boolean {
  const header = sslHeaderOf(django);
  if (!origin.isHttps || header === undefined) return false;
  // --https: the proxy itself sends X-Forwarded-Proto: https, and no other X-Forwarded-* header.
  if (input.servesTls) return header.name === 'X-Forwarded-Proto' && header.value === 'https';
  return !header.forwarded || input.trustProxy;
}

function trustedOrigins(django: DjangoInput): string[] {
  const raw = django.settings.CSRF_TRUSTED_ORIGINS;
  return Array.isArray(raw) ? raw.filter((entry): entry is string => typeof entry === 'string') : [];
}

/** An https origin Django takes for http: Django's CsrfViewMiddleware builds the good origin from is_secure(). */
function httpsUnseen(django: DjangoInput, origin: PublicOrigin, input: DoctorInput, header: SslHeader | undefined): Finding {
  const loginFails = !trustedOriginsAdmit(trustedOrigins(django), origin.origin);
  const result = loginFails
    ? `Django compares the browser's Origin ${origin.origin} with http://${origin.url.host}: every POST, the admin login included, gets 403 "Origin checking failed"`
    : `the login passes only because CSRF_TRUSTED_ORIGINS lists ${origin.origin}, and Django builds http:// URLs for https pages`;
  const cause =
    header === undefined
      ? 'not set'
      : input.servesTls
        ? `Django reads ${header.name}: ${header.value}, but the proxy sends X-Forwarded-Proto: https`
        : `the proxy drops a client's X-Forwarded-* and sends its own X-Forwarded-Proto: http unless --trust-proxy`;
  const fix = input.servesTls
    ? `set ${SSL_HEADER_LINE} (--https sends X-Forwarded-Proto: https)`
    : header === undefined
      ? `set ${SSL_HEADER_LINE} and give --trust-proxy, so your TLS terminator's X-Forwarded-Proto reaches Django`
      : `give --trust-proxy so your TLS terminator's ${header.name} reaches Django`;
  const orTrusted = loginFails ? `, or add ${pythonRepr(origin.origin)} to CSRF_TRUSTED_ORIGINS` : '';
  return finding(django, loginFails ? 'error' : 'warning', 'SECURE_PROXY_SSL_HEADER', `${cause}: request.is_secure() is false behind the proxy, so ${result}`, `${fix}${orTrusted}`);
}

const proxySslHeader: DjangoRule = (django, origin, input) => {
  const header = sslHeaderOf(django);
  if (origin.isHttps) return djangoSeesHttps(django, origin, input) ? [] : [httpsUnseen(django, origin, input, header)];
  if (header === undefined) return [];
  const setting = 'SECURE_PROXY_SSL_HEADER';
  const drop = 'delete the line (SECURE_PROXY_SSL_HEADER = None)';
  if (header.forwarded && !input.trustProxy) {
    return [finding(django, 'warning', setting, `unnecessary: the proxy drops a client's X-Forwarded-* and sends its own X-Forwarded-Proto: http unless --trust-proxy, so this never marks a request secure on ${origin.origin}`, drop)];
  }
  const why = header.forwarded
    ? `risky on plain http: with --trust-proxy a client's own "${header.name}: ${header.value}" reaches Django, which then treats http as https`
    : `risky on plain http: the proxy forwards a client's ${header.name} unchanged, so any client can send "${header.name}: ${header.value}" and make Django treat http as https`;
  return [finding(django, 'warning', setting, why, header.forwarded ? `${drop}, or drop --trust-proxy on an http origin` : drop)];
};

const sslRedirect: DjangoRule = (django, origin, input) => {
  if (django.settings.SECURE_SSL_REDIRECT !== true || djangoSeesHttps(django, origin, input)) return [];
  const fix = input.servesTls ? `set ${SSL_HEADER_LINE}, or SECURE_SSL_REDIRECT = False` : `give --trust-proxy and set ${SSL_HEADER_LINE}, or SECURE_SSL_REDIRECT = False`;
  return origin.isHttps
    ? [finding(django, 'error', 'SECURE_SSL_REDIRECT', `Django sees plain http through the proxy (request.is_secure() is false without a SECURE_PROXY_SSL_HEADER it can read), so it redirects to https forever`, fix)]
    : [finding(django, 'error', 'SECURE_SSL_REDIRECT', `Django redirects every request on ${origin.origin} to https://${origin.url.host}, which the proxy does not serve`, 'set SECURE_SSL_REDIRECT = False for this http origin, or start the proxy with --https')];
};

const csrfTrustedOrigins: DjangoRule = (django, origin, input) => {
  const trusted = trustedOrigins(django);
  if (trusted.length === 0) return [];
  const seesHttps = djangoSeesHttps(django, origin, input);
  const httpEntries = trusted.filter((entry) => entry.toLowerCase().startsWith('http://'));
  if (origin.isHttps && httpEntries.length > 0 && !trustedOriginsAdmit(trusted, origin.origin)) {
    const named = httpEntries.map(pythonRepr).join(', ');
    return seesHttps
      ? [finding(django, 'warning', 'CSRF_TRUSTED_ORIGINS', `names ${named} but not ${origin.origin}: left over from plain http, and unneeded now that Django sees https (its own Origin check passes)`, `delete ${named} (or the whole setting)`)]
      : [finding(django, 'error', 'CSRF_TRUSTED_ORIGINS', `names ${named} but not ${origin.origin}: the browser's Origin is https now, Django sees http, and every POST, the admin login included, gets 403 "Origin checking failed"`, `set ${SSL_HEADER_LINE} so Django sees https, or replace ${named} with ${pythonRepr(origin.origin)}`)];
  }
  // https taken for http: the SECURE_PROXY_SSL_HEADER finding says what this list does for the login.
  if (origin.isHttps && !seesHttps) return [];
  return [finding(django, 'warning', 'CSRF_TRUSTED_ORIGINS', `unnecessary on one origin: the proxy keeps Host, so Django's Origin check passes without it, and an entry for another origin (an old frontend port) lets that origin's pages post with the user's session`, 'set CSRF_TRUSTED_ORIGINS = [] (or delete the line)')];
};

const useXForwardedHost: DjangoRule = (django, _origin, input) => {
  if (django.settings.USE_X_FORWARDED_HOST !== true) return [];
  const why = input.trustProxy
    ? "risky: with --trust-proxy a client's own X-Forwarded-Host reaches Django, which then builds URLs and checks Origin against a host the client chose"
    : 'unnecessary: the proxy keeps Host and sets X-Forwarded-Host to the same value, so Django reads the same host either way';
  return [finding(django, 'warning', 'USE_X_FORWARDED_HOST', why, 'set USE_X_FORWARDED_HOST = False (or delete the line)')];
};

/** django-cors-headers' settings: they count whether or not the package is installed. */
const corsSettings: DjangoRule = (django) => {
  const apps = django.settings.INSTALLED_APPS;
  const installed = Array.isArray(apps) && apps.some((app) => typeof app === 'string' && app.startsWith('corsheaders'));
  const names = Object.keys(django.settings)
    .filter((name) => name.startsWith('CORS_'))
    .sort((a, b) => (locate(django, a)?.line ?? Infinity) - (locate(django, b)?.line ?? Infinity) || (a < b ? -1 : 1));
  const then = installed ? '; with no CORS_* left, take corsheaders out of INSTALLED_APPS and MIDDLEWARE' : '';
  return names.map((name) =>
    finding(django, 'warning', name, `unnecessary on one origin: the browser makes no cross-origin requests to Django through the proxy, so django-cors-headers has nothing to allow${installed ? '' : ' (and it is not installed)'}`, `delete the line${then}`),
  );
};

export const DJANGO_RULES: readonly DjangoRule[] = Object.freeze([
  allowedHosts,
  cookieSecure,
  cookieDomain,
  cookieSameSite,
  sessionCookiePath,
  csrfTrustedOrigins,
  sslRedirect,
  proxySslHeader,
  useXForwardedHost,
  corsSettings,
]);
