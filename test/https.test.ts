// --https on the wire, in front of real Django (Secure cookies, SECURE_PROXY_SSL_HEADER), the
// python-socketio Reflex stand-in and Vite: every routing rule answers the same over HTTP/2 and
// over HTTP/1.1 on TLS (node:http2, node:https and curl), X-Forwarded-Proto is https, Location
// keeps the https origin, bodies stream over HTTP/2, the hold rule holds, and WebSockets (the
// Reflex socket with the session, Vite's HMR socket) open over wss://.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t, { type Test } from 'tap';
import WebSocket from 'ws';
import {
  ADMIN_USERNAME,
  DJANGO_FIXTURE_PREFIXES,
  djangoAdminLogin,
  freePort,
  h2Request,
  headerLines,
  localCaDir,
  reflexSocketWhoami,
  request,
  startDjango,
  startProxy,
  startReflexStandin,
  startVite,
} from './helpers/index.js';

const run = promisify(execFile);

const django = await startDjango(t, { https: 'with-ssl-header' });
const [reflex, vite] = await Promise.all([startReflexStandin(t, { dbPath: django.dbPath }), startVite(t)]);
const tls = await localCaDir(t);
const upstreamFlags = ['--django-url', django.url, '--reflex-backend-url', reflex.url, '--reflex-frontend-url', vite.url, ...DJANGO_FIXTURE_PREFIXES.flatMap((prefix) => ['--django-prefix', prefix])];
const proxy = await startProxy(t, ['--https', ...upstreamFlags], { env: { XDG_CACHE_HOME: tls.xdgCacheHome } });
const origin = proxy.url;
const ca = tls.ca();

t.test('the proxy listens on https, its public URL on 127.0.0.1', async (t) => {
  t.match(origin, /^https:\/\/127\.0\.0\.1:\d+$/);
  const listening = await proxy.waitForLog((record) => record.msg === 'proxy listening');
  t.equal(listening.publicUrl, `https://127.0.0.1:${proxy.port}`);
});

interface Row {
  readonly rule: string;
  readonly method: string;
  readonly path: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly status: number;
  /** Matched against the body (a string: contained in it). */
  readonly answer?: RegExp | string;
  readonly header?: [name: string, value: RegExp | string];
}

/** One row per routing rule (docs/routing.md §1), and the rewrite, hold-free, on real upstreams. */
const TABLE: Row[] = [
  { rule: '0 /__rdp/', method: 'GET', path: '/__rdp/health', status: 200, answer: /"status":"up"/ },
  { rule: '1 reserved → Reflex', method: 'GET', path: '/ping', status: 200, answer: 'pong' },
  { rule: '1 reserved → Reflex, a body', method: 'POST', path: '/_upload', body: 'x', headers: { 'content-type': 'text/plain' }, status: 400, answer: 'Missing reflex-client-token or reflex-event-handler header.' },
  { rule: '1 reserved → Reflex, no polling', method: 'GET', path: '/_event/?EIO=4&transport=polling', status: 400, answer: /Invalid transport|Transport/ },
  { rule: '3 Django prefix', method: 'GET', path: '/admin/', status: 302, header: ['location', '/admin/login/?next=/admin/'] },
  { rule: '3 Django prefix, raw target decoded once by the router', method: 'GET', path: '/adm%69n/login/', status: 200, answer: 'csrfmiddlewaretoken' },
  { rule: '3 Django static', method: 'GET', path: '/static/admin/css/base.css', status: 200, header: ['content-type', /^text\/css/] },
  { rule: '3 Django, absolute Location rewritten to the https origin', method: 'GET', path: '/redirect/', status: 302, header: ['location', `${origin}/admin/`] },
  { rule: '4 frontend page', method: 'GET', path: '/', status: 200, answer: 'Reflex frontend stand-in' },
  { rule: '4 frontend module', method: 'GET', path: '/@vite/client', status: 200, header: ['content-type', /javascript/] },
  { rule: '5 other method on a frontend path', method: 'POST', path: '/', body: 'x', status: 405, header: ['allow', 'GET, HEAD, OPTIONS'] },
];

function check(t: Test, row: Row, status: number, body: string, header: (name: string) => string | undefined, how: string): void {
  t.equal(status, row.status, `${how} ${row.method} ${row.path} (rule ${row.rule}): status`);
  if (row.answer !== undefined) t.match(body, row.answer, `${how} ${row.method} ${row.path}: body`);
  if (row.header !== undefined) t.match(header(row.header[0]), row.header[1], `${how} ${row.method} ${row.path}: ${row.header[0]}`);
}

t.test('every routing rule over HTTP/2 (node:http2) and HTTP/1.1 on TLS (node:https)', async (t) => {
  for (const row of TABLE) {
    const h2 = await h2Request(origin, row.path, { ca, method: row.method, ...(row.headers ? { headers: row.headers } : {}), ...(row.body ? { body: row.body } : {}) });
    check(t, row, h2.status, h2.text(), (name) => h2.headers[name] as string | undefined, 'h2');
    const h1 = await request(`${origin}${row.path}`, { ca, method: row.method, ...(row.headers ? { headers: row.headers } : {}), ...(row.body ? { body: row.body } : {}) });
    check(t, row, h1.status, h1.text(), (name) => headerLines(h1, name).join(', ') || undefined, 'h1');
  }
});

t.test('curl --http2 sees HTTP/2 for every rule, --http1.1 sees HTTP/1.1', async (t) => {
  const { stdout: version } = await run('curl', ['-V']);
  t.match(version, /\bHTTP2\b/, 'this curl speaks HTTP/2');
  for (const row of TABLE) {
    for (const [flag, expected] of [['--http2', '2'], ['--http1.1', '1.1']] as const) {
      const args = ['-sS', flag, '--path-as-is', '--cacert', tls.caPath, '-X', row.method, '-o', '/dev/null', '-w', '%{http_version} %{http_code}'];
      if (row.body !== undefined) args.push('--data-binary', row.body, '-H', 'content-type: text/plain');
      const { stdout } = await run('curl', [...args, `${origin}${row.path}`]);
      t.equal(stdout, `${expected} ${row.status}`, `curl ${flag} ${row.method} ${row.path}`);
    }
  }
});

interface Echo {
  path: string;
  secure: boolean;
  bodyLength: number;
  headers: Record<string, string | null>;
}

t.test('what Django receives over HTTP/2: Host from :authority, X-Forwarded-Proto https, is_secure()', async (t) => {
  const h2 = JSON.parse((await h2Request(origin, '/echo/?a=%2F', { ca, headers: { 'x-hop-test': 'kept', cookie: 'a=1' } })).text()) as Echo;
  t.match(h2, {
    path: '/echo/?a=%2F',
    secure: true,
    headers: {
      Host: `127.0.0.1:${proxy.port}`,
      'X-Forwarded-Proto': 'https',
      'X-Forwarded-Host': `127.0.0.1:${proxy.port}`,
      'X-Forwarded-Port': String(proxy.port),
      'X-Forwarded-For': '127.0.0.1',
      Forwarded: `for=127.0.0.1;host="127.0.0.1:${proxy.port}";proto=https`,
      'X-Hop-Test': 'kept',
      Cookie: 'a=1',
    },
  });
  const split = JSON.parse((await h2Request(origin, '/echo/', { ca, headers: { cookie: ['a=1', 'b=2'] } })).text()) as Echo;
  t.equal(split.headers.Cookie, 'a=1; b=2', 'cookies split over HTTP/2 fields (as Chromium sends them) arrive as one line');
  const h1 = (await request(`${origin}/echo/`, { ca, headers: { 'X-Forwarded-Proto': 'http' } })).json<Echo>();
  t.match(h1, { secure: true, headers: { 'X-Forwarded-Proto': 'https', Host: `127.0.0.1:${proxy.port}` } }, "over HTTP/1.1 too, and a client's own X-Forwarded-Proto is not believed");
});

t.test('request and response bodies stream over HTTP/2', async (t) => {
  const body = 'x'.repeat(3 * 1024 * 1024 + 7);
  const counted = await h2Request(origin, '/upload-count/', { ca, method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body });
  t.same(JSON.parse(counted.text()), { bytes: body.length }, 'Django counted every byte');
  const upload = await h2Request(origin, '/_upload', { ca, method: 'POST', headers: { 'reflex-client-token': 't', 'reflex-event-handler': 'state.upload', 'content-type': 'application/octet-stream' }, body: 'y'.repeat(100_000) });
  t.equal(upload.status, 200);
  t.match(upload.text(), /"bytes":\s*100000/);
  const cookies = await h2Request(origin, '/cookies/', { ca });
  t.same(cookies.headers['set-cookie'], ['a=1; Path=/', 'b=2; Path=/'], 'two Set-Cookie lines stay two');
});

t.test('many requests share one HTTP/2 connection', async (t) => {
  const { connect } = await import('node:http2');
  const session = connect(origin, { ca });
  t.teardown(() => session.close());
  const statuses = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      new Promise<number>((resolve, reject) => {
        const stream = session.request({ ':path': i % 2 === 0 ? '/@vite/client' : '/ping' });
        stream.on('response', (headers) => resolve(Number(headers[':status'])));
        stream.on('error', reject);
        stream.resume();
        stream.end();
      }),
    ),
  );
  t.same(new Set(statuses), new Set([200]), '40 streams, all answered');
});

t.test('over HTTP/2 a request still waits for a refused upstream, then gets 503', async (t) => {
  const dead = `http://127.0.0.1:${await freePort()}`;
  const holding = await startProxy(t, ['--https', '--django-url', django.url, '--reflex-backend-url', dead, '--reflex-frontend-url', vite.url, '--hold-timeout', '400'], { env: { XDG_CACHE_HOME: tls.xdgCacheHome } });
  const started = Date.now();
  const answer = await h2Request(holding.url, '/ping', { ca, headers: { accept: 'application/json' } });
  t.equal(answer.status, 503);
  t.match(answer.text(), /RDP_ERR_UPSTREAM_UNAVAILABLE/);
  t.ok(Date.now() - started >= 400, 'held for --hold-timeout first');
});

t.test('the session over wss://: a Secure cookie from the login reaches the Reflex socket', async (t) => {
  const login = await request(`${origin}/admin/login/`, { ca });
  t.ok(headerLines(login, 'set-cookie').some((line) => line.startsWith('csrftoken=') && /;\s*Secure/i.test(line)), 'the CSRF cookie is Secure');
  const session = await djangoAdminLogin(origin, { ca });
  const answer = await reflexSocketWhoami(origin, { Cookie: session.cookie, Origin: origin }, { ca });
  t.equal(answer.info.user, ADMIN_USERNAME, 'the stand-in resolved the session');
  t.equal(answer.protocol, '0.9.8', 'subprotocol echoed');
  t.equal(answer.info.origin, origin);
  const anonymous = await reflexSocketWhoami(origin, { Origin: origin }, { ca });
  t.equal(anonymous.info.user, null);
});

t.test("Vite's HMR socket over wss://", async (t) => {
  const client = (await request(`${origin}/@vite/client`, { ca })).text();
  const token = /const wsToken = "([^"]+)"/.exec(client)?.[1];
  t.ok(token, 'the HMR token');
  const ws = new WebSocket(`${origin.replace('https:', 'wss:')}/?token=${token}`, 'vite-hmr', { ca, headers: { Origin: origin } });
  t.teardown(() => ws.terminate());
  const first = await new Promise<string>((resolve, reject) => {
    ws.once('message', (data) => resolve(String(data)));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HMR handshake answered ${res.statusCode}`)));
  });
  t.equal(ws.protocol, 'vite-hmr');
  t.match(JSON.parse(first), { type: 'connected' });
});
