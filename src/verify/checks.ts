// reflex-django's migration checklist as nine checks against a running proxy. A check that needs an
// earlier one which failed is skipped, naming it, so one cause shows as one failure.
import { randomUUID } from 'node:crypto';
import { type Answer, headerValue, send } from './http.js';
import { cookieProblems, parseSetCookie } from './cookies.js';
import { socketIoHandshake } from './socketio.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skipped';

export interface CheckResult {
  readonly id: number;
  readonly name: string;
  readonly status: CheckStatus;
  readonly reason: string;
  readonly fix: string | null;
  /** The earlier check whose failure made this one skip. */
  readonly needs: number | null;
}

export interface VerifyOptions {
  readonly url: URL;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly loginPath: string;
  readonly sessionCookie: string;
  readonly requireSession: boolean;
  readonly timeoutMs: number;
  /** Certificates trusted over https (trust.ts); undefined: Node's own. */
  readonly ca?: readonly string[] | undefined;
}

type UpstreamName = 'django' | 'reflex' | 'frontend';
type Outcome = Omit<CheckResult, 'id' | 'name' | 'needs'> & { readonly needs?: number | null };

const UPLOAD_REFUSAL = 'Missing reflex-client-token or reflex-event-handler header.';
const VERIFY_PROTOCOL = 'reflex-django-proxy-verify';

const pass = (reason: string): Outcome => ({ status: 'pass', reason, fix: null });
const fail = (reason: string, fix: string): Outcome => ({ status: 'fail', reason, fix });
const skip = (reason: string, needs: number | null = null): Outcome => ({ status: 'skipped', reason, fix: null, needs });

function snippet(body: string): string {
  const text = body
    .replace(/<(style|script)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

function describe(answer: Answer): string {
  return `${answer.status} ${headerValue(answer, 'content-type').split(';')[0] || 'without a content type'}`;
}

/** Node's codes for a certificate chain it does not accept. */
const UNTRUSTED = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID']);

const SSL_HEADER_LINE = "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')";

/**
 * Over https, Django's Origin and Referer checks fail when it takes the request for http (its good
 * origin is built from request.is_secure()); over http, when something in front rewrote Host.
 */
function csrfFix(url: URL, body: string): string {
  if (url.protocol === 'https:') {
    const named = /(Origin|Referer) checking failed/.test(body) ? '' : 'most likely, ';
    return `${named}Django does not see https: set ${SSL_HEADER_LINE} in its settings (the proxy's --https sends X-Forwarded-Proto: https; behind another TLS terminator also give --trust-proxy), or add ${url.origin} to CSRF_TRUSTED_ORIGINS`;
  }
  return 'keep Host unchanged in front of Django (a proxy that rewrites Host breaks the Origin check), or add the origin to CSRF_TRUSTED_ORIGINS';
}

/** What the checks learn and hand on to later ones. */
interface State {
  reachable: boolean;
  statusEndpoints: boolean;
  down: Set<UpstreamName>;
  frontendBody?: string;
  loginPage?: Answer;
  cookies: Map<string, string>;
  session?: string;
  handshakeMarker?: string;
}

export async function runChecks(options: VerifyOptions, onResult: (result: CheckResult) => void = () => {}): Promise<CheckResult[]> {
  const { url, timeoutMs } = options;
  const at = (path: string): URL => new URL(path, url);
  const ask = (path: string, init: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Answer> => send(at(path), { ...init, timeoutMs, ca: options.ca });
  const get = (path: string, headers: Record<string, string> = {}): Promise<Answer> => ask(path, { headers: { Accept: 'text/html', ...headers } });
  const state: State = { reachable: false, statusEndpoints: false, down: new Set(), cookies: new Map() };
  const results: CheckResult[] = [];
  const failed = (id: number): boolean => results.find((result) => result.id === id)?.status === 'fail';
  const cookieHeader = (): string => [...state.cookies].map(([name, value]) => `${name}=${value}`).join('; ');

  /** Skips for an unreachable proxy or a down upstream this check relies on. */
  const blockedBy = (upstreams: readonly UpstreamName[]): Outcome | undefined => {
    if (!state.reachable) return skip('nothing answers at --url', 1);
    const down = upstreams.filter((name) => state.down.has(name));
    return down.length > 0 ? skip(`${down.join(' and ')} is down`, 1) : undefined;
  };
  /** Without /__rdp/ nothing proves --url is the proxy; a failed check 2 then says it is not. */
  const notTheProxy = (): Outcome | undefined => (!state.statusEndpoints && failed(2) ? skip('--url does not route like the proxy', 2) : undefined);

  const checks: Array<[name: string, run: () => Promise<Outcome>]> = [
    ['proxy answers, every upstream up', async () => {
      let health: Answer;
      try {
        health = await ask('/__rdp/health', { headers: { Accept: 'application/json' } });
      } catch (error) {
        if (UNTRUSTED.has((error as NodeJS.ErrnoException).code ?? '')) {
          return fail(`${url.origin} answers with a certificate verify does not trust (${(error as Error).message})`, "put the CA that signed it in NODE_EXTRA_CA_CERTS (mkcert's is in $(mkcert -CAROOT)/rootCA.pem); the local CA of --https is trusted without it");
        }
        return fail(`nothing answers at ${url.origin} (${(error as Error).message})`, 'start the proxy (npx reflex-django-proxy) or give --url');
      }
      state.reachable = true;
      if (health.status !== 200 && health.status !== 503) {
        const why = health.status === 403 ? 'it answers loopback clients only: start the proxy with --expose-status' : 'another server in front does not pass it, or --url is not the proxy';
        return skip(`/__rdp/ is not reachable (${health.status}): ${why}`);
      }
      let upstreams: Array<{ name: UpstreamName; url: string; state: string }>;
      try {
        upstreams = (JSON.parse(health.body) as { upstreams: typeof upstreams }).upstreams;
      } catch {
        return skip(`/__rdp/health did not answer JSON (${describe(health)}): --url is not the proxy`);
      }
      state.statusEndpoints = true;
      const down = upstreams.filter((upstream) => upstream.state !== 'up');
      for (const upstream of down) state.down.add(upstream.name);
      if (down.length === 0) return pass(`all ${upstreams.length} upstreams up (${upstreams.map((upstream) => upstream.name).join(', ')})`);
      return fail(
        down.map((upstream) => `${upstream.name} (${upstream.url}) is ${upstream.state}`).join('; '),
        `start ${down.map((upstream) => upstream.name).join(' and ')}, or fix its URL; the proxy's log and /__rdp/health show why`,
      );
    }],
    ['/ is served by the frontend', async () => {
      const blocked = blockedBy(['frontend']);
      if (blocked) return blocked;
      const answer = await get('/');
      if (answer.status === 200 && headerValue(answer, 'content-type').includes('text/html')) {
        state.frontendBody = answer.body;
        return pass('HTML from the frontend');
      }
      return fail(`/ answered ${describe(answer)}: ${snippet(answer.body)}`, "give --url the proxy's origin; / must reach the Reflex frontend");
    }],
    ["/admin/ is Django's", async () => {
      const blocked = blockedBy(['django']);
      if (blocked) return blocked;
      const answer = await get('/admin/');
      const location = headerValue(answer, 'location');
      if (answer.status === 302 && location.includes('login')) return pass(`redirects to Django's login (${location})`);
      if (answer.status === 200 && /Django|csrfmiddlewaretoken/.test(answer.body) && answer.body !== state.frontendBody) return pass("Django's admin page");
      const frontend = state.frontendBody !== undefined && answer.body === state.frontendBody;
      return fail(
        `/admin/ answered ${describe(answer)}${frontend ? ', the frontend page' : `: ${snippet(answer.body)}`}`,
        frontend ? 'add /admin to the Django prefixes (--django-prefix /admin)' : "check that Django's admin is at /admin/ and Django is the upstream",
      );
    }],
    ['Django static files are served', async () => {
      if (failed(3)) return skip("the admin is not Django's", 3);
      const blocked = blockedBy(['django']);
      if (blocked) return blocked;
      state.loginPage = await get(options.loginPath);
      for (const line of state.loginPage.setCookies) state.cookies.set(parseSetCookie(line).name, parseSetCookie(line).value);
      const stylesheet = /<link[^>]+href="([^"]+\.css)"/.exec(state.loginPage.body)?.[1];
      if (stylesheet === undefined) return fail(`${options.loginPath} links no stylesheet (${describe(state.loginPage)})`, 'give --login-url the admin login path');
      const css = await get(stylesheet, { Accept: 'text/css' });
      if (css.status === 200 && headerValue(css, 'content-type').includes('text/css')) return pass(`${stylesheet} is CSS`);
      return fail(`${stylesheet} answered ${describe(css)}`, `add the static prefix (${new URL(stylesheet, url).pathname.split('/').slice(0, 2).join('/')}) to the Django prefixes`);
    }],
    ['admin login gives a usable session cookie', async () => {
      if (options.username === undefined || options.password === undefined) {
        const reason = 'no credentials: give --username and --password (or RDP_VERIFY_USERNAME / RDP_VERIFY_PASSWORD)';
        return options.requireSession ? fail(`${reason}, and --require-session was given`, 'give the credentials of a Django user') : skip(reason);
      }
      if (failed(3)) return skip("the admin is not Django's", 3);
      if (failed(4) || state.loginPage === undefined) return skip('the login page did not load', 4);
      const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(state.loginPage.body)?.[1];
      if (token === undefined) return fail(`${options.loginPath} has no CSRF form field`, 'give --login-url the admin login path');
      const body = new URLSearchParams({ csrfmiddlewaretoken: token, username: options.username, password: options.password, next: '/admin/' }).toString();
      const answer = await ask(options.loginPath, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookieHeader(), Origin: url.origin, Referer: at(options.loginPath).href },
        body,
      });
      if (answer.status === 403) {
        // Django's CSRF page (with DEBUG) gives its reason on a line of its own.
        const reason = /(?:Origin|Referer) checking failed[^<\n]*/.exec(answer.body)?.[0].trim() ?? snippet(answer.body);
        return fail(`the login was refused by CSRF (403): ${reason}`, csrfFix(url, answer.body));
      }
      if (answer.status !== 302) return fail(`the login form came back (${describe(answer)}): wrong username or password?`, 'give the credentials of a staff user');
      const line = answer.setCookies.find((cookie) => parseSetCookie(cookie).name === options.sessionCookie);
      if (line === undefined) return fail(`the login set no ${options.sessionCookie} cookie`, 'give --session-cookie the name of SESSION_COOKIE_NAME');
      const cookie = parseSetCookie(line);
      state.cookies.set(cookie.name, cookie.value);
      const problems = cookieProblems(cookie, url, 'SESSION_COOKIE');
      const worst = problems.find((problem) => problem.severity === 'fail') ?? problems[0];
      if (worst === undefined) {
        state.session = cookie.value;
        return pass(`logged in as ${options.username}; ${options.sessionCookie} will be sent to /_event`);
      }
      if (worst.severity === 'warn') state.session = cookie.value;
      return { status: worst.severity, reason: problems.map((problem) => problem.reason).join('; '), fix: worst.fix };
    }],
    ['the Reflex socket connects on the same port', async () => {
      const blocked = blockedBy(['reflex']) ?? notTheProxy();
      if (blocked) return blocked;
      state.handshakeMarker = randomUUID();
      const socketUrl = at(`/_event/?EIO=4&transport=websocket&rdp_verify=${state.handshakeMarker}`);
      socketUrl.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      const cookie = cookieHeader();
      const outcome = await socketIoHandshake(socketUrl, { origin: url.origin, protocol: VERIFY_PROTOCOL, namespace: '/_event', timeoutMs, ca: options.ca, ...(cookie === '' ? {} : { cookie }) });
      if (outcome.refusedWith !== undefined) {
        const { status, body } = outcome.refusedWith;
        const fix =
          status === 403 || status === 400
            ? `the Reflex backend refused Origin ${url.origin}: add it to cors_allowed_origins in rxconfig.py`
            : status === 404
              ? '/_event must reach the Reflex backend: check --reflex-backend-url and the reserved prefixes'
              : 'start the Reflex backend; the proxy log says why it failed';
        return fail(`the WebSocket handshake was refused with ${status}${body === '' ? '' : `: ${snippet(body)}`}`, fix);
      }
      if (!outcome.connected) return fail(outcome.problem ?? 'the Socket.IO handshake did not complete', 'check the Reflex backend log');
      if (outcome.subprotocol !== VERIFY_PROTOCOL) {
        return fail(`connected, but the subprotocol ${VERIFY_PROTOCOL} was not echoed (got ${outcome.subprotocol ?? 'none'}): Reflex's client would fail`, 'make the proxy in front forward Sec-WebSocket-Protocol both ways');
      }
      return pass('Socket.IO connected to /_event; subprotocol echoed');
    }],
    ['the session cookie reached the Reflex backend', async () => {
      if (options.username === undefined && !options.requireSession) return skip('no credentials, no session to carry', 5);
      if (options.username === undefined) return fail('no session to carry, and --require-session was given', 'give --username and --password');
      if (state.session === undefined) return skip('no usable session cookie', 5);
      if (failed(6) || state.handshakeMarker === undefined) return skip('the socket did not connect', 6);
      if (!state.statusEndpoints) return skip('/__rdp/ is not reachable, so what was forwarded cannot be read (see check 1)');
      const answer = await ask('/__rdp/upgrades', { headers: { Accept: 'application/json' } });
      const records = (JSON.parse(answer.body) as { upgrades: Array<{ target: string; status: number; cookieNames: string[] }> }).upgrades;
      const record = records.find((entry) => entry.target.includes(state.handshakeMarker!));
      if (record === undefined) return fail('the proxy has no record of the handshake', 'run verify against the proxy that serves --url');
      if (record.cookieNames.includes(options.sessionCookie)) return pass(`the handshake carried ${options.sessionCookie} to the Reflex backend (${record.status})`);
      return fail(`the handshake carried ${record.cookieNames.join(', ') || 'no cookies'}, not ${options.sessionCookie}`, 'the browser would not send the session cookie to /_event: see check 5');
    }],
    ['/_upload is answered by the Reflex backend', async () => {
      const blocked = blockedBy(['reflex']) ?? notTheProxy();
      if (blocked) return blocked;
      const boundary = `rdp-verify-${randomUUID()}`;
      const body = `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="verify.txt"\r\nContent-Type: text/plain\r\n\r\nverify\r\n--${boundary}--\r\n`;
      const answer = await ask('/_upload', { method: 'POST', headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` }, body });
      if (answer.status === 400 && answer.body.includes(UPLOAD_REFUSAL)) return pass(`Reflex's own 400: "${UPLOAD_REFUSAL}"`);
      return fail(`/_upload answered ${describe(answer)}: ${snippet(answer.body)}`, '/_upload must reach the Reflex backend: check the reserved prefixes and --reflex-backend-url');
    }],
    ['a POST to a frontend path gets 405', async () => {
      if (!state.reachable) return skip('nothing answers at --url', 1);
      const blocked = notTheProxy();
      if (blocked) return blocked;
      const answer = await ask('/', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'verify' });
      const allow = headerValue(answer, 'allow');
      if (answer.status === 405 && allow.includes('GET')) return pass(`405, Allow: ${allow}`);
      return fail(`POST / answered ${describe(answer)}`, "django_outer answers 405 on frontend paths: give --url the proxy's origin");
    }],
  ];

  for (const [index, [name, run]] of checks.entries()) {
    let outcome: Outcome;
    try {
      outcome = await run();
    } catch (error) {
      outcome = fail(`the request failed: ${(error as Error).message}`, 'check that the proxy is still running');
    }
    const result: CheckResult = { id: index + 1, name, status: outcome.status, reason: outcome.reason, fix: outcome.fix, needs: outcome.needs ?? null };
    results.push(result);
    onResult(result);
  }
  return results;
}
