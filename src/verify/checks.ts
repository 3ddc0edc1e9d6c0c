// reflex-django's migration checklist as nine checks against a running proxy. A check that needs an
// earlier one which failed is skipped, naming it, so one cause shows as one failure.
import { randomUUID } from 'node:crypto';
import { type Answer, headerValue } from './http.js';
import { cookieProblems, parseSetCookie } from './cookies.js';
import { type Check, type CheckResult, type CheckRun, describe, fail, type Outcome, pass, runChecklist, skip, snippet, type UpstreamName, type VerifyOptions } from './runner.js';
import { parseRoute, ROUTE_HEADER, type RouteTaken, routeText } from './route-header.js';
import { socketIoHandshake } from './socketio.js';
import { ALLOW_HEADER } from '../router.js';

const UPLOAD_REFUSAL = 'Missing reflex-client-token or reflex-event-handler header.';
/** Real Reflex registers /_upload only when a page uses an upload component (docs/upstreams.md). */
export const NO_UPLOAD_HANDLER = 'the app registers no upload handler (no rx.upload on any page)';
/** engine.io's answer to a request that is not a WebSocket upgrade: Reflex accepts only those. */
const POLLING_REFUSAL = 'Invalid transport';
const VERIFY_PROTOCOL = 'reflex-django-proxy-verify';
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

/** A failure when the proxy says it sent `path` elsewhere than `expected`; undefined otherwise. */
function misrouted(answer: Answer, path: string, expected: string, fix: string): Outcome | undefined {
  const route = parseRoute(answer.headers[ROUTE_HEADER]);
  if (route === undefined || route.target === expected) return undefined;
  return fail(`${path} went to ${routeText(route)}, not ${expected}, and answered ${describe(answer)}`, fix);
}

/** Why /__rdp/ refused verify, from the proxy's own 403 answer. */
function forbiddenWhy(body: string): string {
  if (body.includes('RDP_ERR_STATUS_HOST')) return "it answers only the proxy's own Host names: give --url with localhost or an IP address, or start the proxy with --public-url set to this origin";
  return 'it answers loopback clients only: start the proxy with --expose-status';
}

/** 1: /__rdp/health answers, and says which upstreams are down (later checks skip for them). */
async function proxyAnswers(run: CheckRun): Promise<Outcome> {
  let health: Answer;
  try {
    health = await run.send('/__rdp/health', { headers: { Accept: 'application/json' } });
  } catch (error) {
    if (UNTRUSTED.has((error as NodeJS.ErrnoException).code ?? '')) {
      return fail(`${run.url.origin} answers with a certificate verify does not trust (${(error as Error).message})`, "put the CA that signed it in NODE_EXTRA_CA_CERTS (mkcert's is in $(mkcert -CAROOT)/rootCA.pem); the local CA of --https is trusted without it");
    }
    return fail(`nothing answers at ${run.url.origin} (${(error as Error).message})`, 'start the proxy (npx reflex-django-proxy) or give --url');
  }
  run.reachable = true;
  if (health.status !== 200 && health.status !== 503) {
    const why = health.status === 403 ? forbiddenWhy(health.body) : 'another server in front does not pass it, or --url is not the proxy';
    return skip(`/__rdp/ is not reachable (${health.status}): ${why}`);
  }
  let upstreams: Array<{ name: UpstreamName; url: string; state: string }>;
  try {
    upstreams = (JSON.parse(health.body) as { upstreams: typeof upstreams }).upstreams;
  } catch {
    return skip(`/__rdp/health did not answer JSON (${describe(health)}): --url is not the proxy`);
  }
  run.statusEndpoints = true;
  const down = upstreams.filter((upstream) => upstream.state !== 'up');
  for (const upstream of down) run.down.add(upstream.name);
  if (down.length === 0) return pass(`all ${upstreams.length} upstreams up (${upstreams.map((upstream) => upstream.name).join(', ')})`);
  return fail(
    down.map((upstream) => `${upstream.name} (${upstream.url}) is ${upstream.state}`).join('; '),
    `start ${down.map((upstream) => upstream.name).join(' and ')}, or fix its URL; the proxy's log and /__rdp/health show why`,
  );
}

/** Who serves the pages in django_outer: the frontend, or a single-port Reflex's backend (rule 4). */
function pagesUpstream(route: RouteTaken | undefined): string {
  return route?.target === 'reflex' && route.rule === 4 ? 'reflex' : 'frontend';
}

/** 2: the pages' HTML at / (the frontend's; in the split layout Django's), kept to tell it apart from Django's admin. */
async function pagesServeRoot(run: CheckRun): Promise<Outcome> {
  const split = run.options.layout === 'split';
  const blocked = run.blockedBy([split ? 'django' : 'frontend']);
  if (blocked) return blocked;
  const answer = await run.get('/');
  // In the split layout any HTML at / will do: a proxy of the other layout is told by check 9.
  const elsewhere = split ? undefined : misrouted(answer, '/', pagesUpstream(parseRoute(answer.headers[ROUTE_HEADER])), "give --url the proxy's origin; / must reach the Reflex frontend (is / among the Django prefixes?)");
  if (elsewhere) return elsewhere;
  if (answer.status === 200 && headerValue(answer, 'content-type').includes('text/html')) {
    run.frontendBody = answer.body;
    return pass(split ? "HTML from Django's catch-all view" : 'HTML from the frontend');
  }
  const fix = split
    ? "in the split layout Django serves the pages: end ROOT_URLCONF with a catch-all view (re_path(r'^.*$', spa_view)) answering the SPA shell"
    : "give --url the proxy's origin; / must reach the Reflex frontend";
  return fail(`/ answered ${describe(answer)}: ${snippet(answer.body)}`, fix);
}

/** 3: /admin/ reaches Django (its login redirect, or the admin page), not the frontend. */
async function adminIsDjango(run: CheckRun): Promise<Outcome> {
  const blocked = run.blockedBy(['django']);
  if (blocked) return blocked;
  const answer = await run.get('/admin/');
  const elsewhere = misrouted(answer, '/admin/', 'django', 'add /admin to the Django prefixes (--django-prefix /admin)');
  if (elsewhere) return elsewhere;
  const location = headerValue(answer, 'location');
  if (answer.status === 302 && location.includes('login')) return pass(`redirects to Django's login (${location})`);
  if (answer.status === 200 && /Django|csrfmiddlewaretoken/.test(answer.body) && answer.body !== run.frontendBody) return pass("Django's admin page");
  const frontend = run.frontendBody !== undefined && answer.body === run.frontendBody;
  return fail(
    `/admin/ answered ${describe(answer)}${frontend ? ', the frontend page' : `: ${snippet(answer.body)}`}`,
    frontend ? 'add /admin to the Django prefixes (--django-prefix /admin)' : "check that Django's admin is at /admin/ and Django is the upstream",
  );
}

/** 4: the login page loads (its cookies kept for check 5) and its stylesheet is CSS. */
async function staticFilesServed(run: CheckRun): Promise<Outcome> {
  if (run.failed(3)) return skip("the admin is not Django's", 3);
  const blocked = run.blockedBy(['django']);
  if (blocked) return blocked;
  const { loginPath } = run.options;
  const loginPage = await run.get(loginPath);
  run.loginPage = loginPage;
  for (const line of loginPage.setCookies) run.cookies.set(parseSetCookie(line).name, parseSetCookie(line).value);
  const stylesheet = /<link[^>]+href="([^"]+\.css)"/.exec(loginPage.body)?.[1];
  if (stylesheet === undefined) return fail(`${loginPath} links no stylesheet (${describe(loginPage)})`, 'give --login-url the admin login path');
  const css = await run.get(stylesheet, { Accept: 'text/css' });
  const fix = `add the static prefix (${run.at(stylesheet).pathname.split('/').slice(0, 2).join('/')}) to the Django prefixes`;
  const elsewhere = misrouted(css, stylesheet, 'django', fix);
  if (elsewhere) return elsewhere;
  if (css.status === 200 && headerValue(css, 'content-type').includes('text/css')) return pass(`${stylesheet} is CSS`);
  return fail(`${stylesheet} answered ${describe(css)}`, fix);
}

/** 5: the admin login form posts through the proxy and sets a session cookie browsers keep. */
async function adminLogin(run: CheckRun): Promise<Outcome> {
  const { username, password, loginPath, sessionCookie, requireSession } = run.options;
  if (username === undefined || password === undefined) {
    const reason = 'no credentials: give --username and --password (or RDP_VERIFY_USERNAME / RDP_VERIFY_PASSWORD)';
    return requireSession ? fail(`${reason}, and --require-session was given`, 'give the credentials of a Django user') : skip(reason);
  }
  if (run.failed(3)) return skip("the admin is not Django's", 3);
  if (run.failed(4) || run.loginPage === undefined) return skip('the login page did not load', 4);
  const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(run.loginPage.body)?.[1];
  if (token === undefined) return fail(`${loginPath} has no CSRF form field`, 'give --login-url the admin login path');
  const answer = await run.send(loginPath, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: run.cookieHeader(), Origin: run.url.origin, Referer: run.at(loginPath).href },
    body: new URLSearchParams({ csrfmiddlewaretoken: token, username, password, next: '/admin/' }).toString(),
  });
  if (answer.status === 403) {
    // Django's CSRF page (with DEBUG) gives its reason on a line of its own.
    const reason = /(?:Origin|Referer) checking failed[^<\n]*/.exec(answer.body)?.[0].trim() ?? snippet(answer.body);
    return fail(`the login was refused by CSRF (403): ${reason}`, csrfFix(run.url, answer.body));
  }
  if (answer.status !== 302) return fail(`the login form came back (${describe(answer)}): wrong username or password?`, 'give the credentials of a staff user');
  const line = answer.setCookies.find((cookie) => parseSetCookie(cookie).name === sessionCookie);
  if (line === undefined) return fail(`the login set no ${sessionCookie} cookie`, 'give --session-cookie the name of SESSION_COOKIE_NAME');
  const cookie = parseSetCookie(line);
  run.cookies.set(cookie.name, cookie.value);
  const problems = cookieProblems(cookie, run.url, 'SESSION_COOKIE');
  const worst = problems.find((problem) => problem.severity === 'fail') ?? problems[0];
  if (worst === undefined) {
    run.session = cookie.value;
    return pass(`logged in as ${username}; ${sessionCookie} will be sent to /_event`);
  }
  if (worst.severity === 'warn') run.session = cookie.value;
  return { status: worst.severity, reason: problems.map((problem) => problem.reason).join('; '), fix: worst.fix };
}

/** What to do about a refused /_event handshake, by its status and body. */
function handshakeRefusalFix(status: number, body: string, origin: string, eventPath: string): string {
  if (body.includes(POLLING_REFUSAL)) {
    return 'the Reflex backend saw no WebSocket upgrade (engine.io answers "Invalid transport" to anything else): whatever sits in front must pass Upgrade and Connection';
  }
  if (status === 403 || status === 400) return `the Reflex backend refused Origin ${origin}: add it to cors_allowed_origins in rxconfig.py`;
  if (status === 404) return `${eventPath} must reach the Reflex backend: check --reflex-backend-url, the reserved prefixes and --reflex-backend-path`;
  return 'start the Reflex backend; the proxy log says why it failed';
}

/** 6: Socket.IO connects on /_event through the proxy, with the cookies so far, subprotocol echoed. */
async function reflexSocketConnects(run: CheckRun): Promise<Outcome> {
  const blocked = run.blockedBy(['reflex']) ?? run.notTheProxy();
  if (blocked) return blocked;
  run.handshakeMarker = randomUUID();
  const socketUrl = run.at(`${run.options.eventPath}/?EIO=4&transport=websocket&rdp_verify=${run.handshakeMarker}`);
  socketUrl.protocol = run.url.protocol === 'https:' ? 'wss:' : 'ws:';
  const cookie = run.cookieHeader();
  const outcome = await socketIoHandshake(socketUrl, { origin: run.url.origin, protocol: VERIFY_PROTOCOL, namespace: '/_event', timeoutMs: run.options.timeoutMs, ca: run.options.ca, ...(cookie === '' ? {} : { cookie }) });
  if (outcome.route !== undefined && outcome.route.target !== 'reflex') {
    return fail(`the ${run.options.eventPath} handshake went to ${routeText(outcome.route)}, not the Reflex backend`, `${run.options.eventPath} must reach the Reflex backend: keep it among the reserved prefixes`);
  }
  if (outcome.refusedWith !== undefined) {
    const { status, body } = outcome.refusedWith;
    return fail(`the WebSocket handshake was refused with ${status}${body === '' ? '' : `: ${snippet(body)}`}`, handshakeRefusalFix(status, body, run.url.origin, run.options.eventPath));
  }
  if (!outcome.connected) return fail(outcome.problem ?? 'the Socket.IO handshake did not complete', 'check the Reflex backend log');
  if (outcome.subprotocol !== VERIFY_PROTOCOL) {
    return fail(`connected, but the subprotocol ${VERIFY_PROTOCOL} was not echoed (got ${outcome.subprotocol ?? 'none'}): Reflex's client would fail`, 'make the proxy in front forward Sec-WebSocket-Protocol both ways');
  }
  return pass(`Socket.IO connected to ${run.options.eventPath}; subprotocol echoed`);
}

/** 7: the proxy's record of check 6's handshake shows the session cookie went to Reflex. */
async function sessionReachesReflex(run: CheckRun): Promise<Outcome> {
  const { username, requireSession, sessionCookie } = run.options;
  if (username === undefined && !requireSession) return skip('no credentials, no session to carry', 5);
  if (username === undefined) return fail('no session to carry, and --require-session was given', 'give --username and --password');
  if (run.session === undefined) return skip('no usable session cookie', 5);
  const marker = run.handshakeMarker;
  if (run.failed(6) || marker === undefined) return skip('the socket did not connect', 6);
  if (!run.statusEndpoints) return skip('/__rdp/ is not reachable, so what was forwarded cannot be read (see check 1)');
  const answer = await run.send('/__rdp/upgrades', { headers: { Accept: 'application/json' } });
  const records = (JSON.parse(answer.body) as { upgrades: Array<{ target: string; status: number; cookieNames: string[] }> }).upgrades;
  const record = records.find((entry) => entry.target.includes(marker));
  if (record === undefined) return fail('the proxy has no record of the handshake', 'run verify against the proxy that serves --url');
  if (record.cookieNames.includes(sessionCookie)) return pass(`the handshake carried ${sessionCookie} to the Reflex backend (${record.status})`);
  return fail(`the handshake carried ${record.cookieNames.join(', ') || 'no cookies'}, not ${sessionCookie}`, 'the browser would not send the session cookie to /_event: see check 5');
}

/**
 * Check 8's verdict on POST /_upload. Reflex's 400 for a request without its headers proves the
 * route on its own. A 404 passes only when the proxy says the Reflex backend answered it (real
 * Reflex has no /_upload without rx.upload) and that backend took the Reflex socket (check 6): a
 * 404 from Django, the frontend or an unknown server is a routing failure.
 */
function judgeUpload(answer: Answer, uploadPath: string, route: RouteTaken | undefined, socketFailed: boolean): Outcome {
  const fixRoute = `${uploadPath} must reach the Reflex backend: keep it among the reserved prefixes (--reserved-prefix) and check --reflex-backend-url`;
  if (route !== undefined && route.target !== 'reflex') return fail(`${uploadPath} went to ${routeText(route)} and answered ${describe(answer)}`, fixRoute);
  if (answer.status === 400 && answer.body.includes(UPLOAD_REFUSAL)) return pass(`Reflex's own 400: "${UPLOAD_REFUSAL}"`);
  if (answer.status !== 404) return fail(`${uploadPath} answered ${describe(answer)}: ${snippet(answer.body)}`, fixRoute);
  if (route === undefined) {
    return fail(`${uploadPath} answered 404 and nothing shows the Reflex backend answered it (no X-RDP-Route header, no record at /__rdp/requests)`, 'run verify against reflex-django-proxy itself, without --no-route-header, so the route it took can be read');
  }
  if (socketFailed) {
    return fail(`${uploadPath} answered 404 from ${routeText(route)}, but that backend did not take the Reflex socket (check 6): it may not be Reflex`, 'check --reflex-backend-url: it must be the Reflex backend (reflex run --backend-port)');
  }
  return pass(`404 from the Reflex backend: ${NO_UPLOAD_HANDLER}; ${uploadPath} is routed to it for when one does`);
}

/** 8: /_upload reaches the Reflex backend: its own 400 without Reflex's headers, or its 404 without rx.upload. */
async function uploadReachesReflex(run: CheckRun): Promise<Outcome> {
  const blocked = run.blockedBy(['reflex']) ?? run.notTheProxy();
  if (blocked) return blocked;
  const marker = randomUUID();
  const boundary = `rdp-verify-${marker}`;
  const body = `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="verify.txt"\r\nContent-Type: text/plain\r\n\r\nverify\r\n--${boundary}--\r\n`;
  const { uploadPath } = run.options;
  // The marker in the target finds this request in the proxy's records when no route header came.
  const answer = await run.send(`${uploadPath}?rdp_verify=${marker}`, { method: 'POST', headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` }, body });
  return judgeUpload(answer, uploadPath, parseRoute(answer.headers[ROUTE_HEADER]) ?? (await run.recordedRoute(marker)), run.failed(6));
}

/** 9: django_outer answers 405 with Allow on a frontend path; the split layout sends the POST to Django. */
async function pagePostAnswer(run: CheckRun): Promise<Outcome> {
  if (!run.reachable) return skip('nothing answers at --url', 1);
  const blocked = run.notTheProxy();
  if (blocked) return blocked;
  const answer = await run.send('/', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'verify' });
  const allow = headerValue(answer, 'allow');
  if (run.options.layout !== 'split') {
    if (answer.status === 405 && allow.includes('GET')) return pass(`405, Allow: ${allow}`);
    return fail(`POST / answered ${describe(answer)}`, "django_outer answers 405 on frontend paths: give --url the proxy's origin");
  }
  const ruleFive = answer.status === 405 && allow === ALLOW_HEADER;
  if (ruleFive || answer.status >= 500) {
    return fail(`POST / answered ${describe(answer)}${ruleFive ? `, Allow: ${allow}: django_outer's refusal, not Django` : ''}`, 'in the split layout every non-Reflex path goes to Django: run the proxy with --layout split');
  }
  const csrf = answer.status === 403 && answer.body.includes('CSRF');
  return pass(`Django answered ${describe(answer)}${csrf ? ' (its CSRF check)' : ''}`);
}

/** In this order: a check's id is its place here, and later checks name the ids they need. */
function checksFor(layout: VerifyOptions['layout']): readonly Check[] {
  const split = layout === 'split';
  return [
    { name: 'proxy answers, every upstream up', run: proxyAnswers },
    { name: split ? "/ is Django's SPA view" : '/ is served by the frontend', run: pagesServeRoot },
    { name: "/admin/ is Django's", run: adminIsDjango },
    { name: 'Django static files are served', run: staticFilesServed },
    { name: 'admin login gives a usable session cookie', run: adminLogin },
    { name: 'the Reflex socket connects on the same port', run: reflexSocketConnects },
    { name: 'the session cookie reached the Reflex backend', run: sessionReachesReflex },
    { name: '/_upload is answered by the Reflex backend', run: uploadReachesReflex },
    { name: split ? 'a POST to a page path reaches Django' : 'a POST to a frontend path gets 405', run: pagePostAnswer },
  ];
}

export function runChecks(options: VerifyOptions, onResult: (result: CheckResult) => void): Promise<CheckResult[]> {
  return runChecklist(checksFor(options.layout), options, onResult);
}
