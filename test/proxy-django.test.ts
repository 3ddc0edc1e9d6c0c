// Real Django behind the proxy (docs/routing.md §3, "What crosses the proxy"): Host kept so the admin
// login passes Django's CSRF Origin check, X-Forwarded-* set, hop-by-hop headers dropped, the
// request target forwarded byte for byte, Set-Cookie lines and streamed bodies intact, absolute
// redirects moved to the client's origin, uploads of any size.
import { request as httpRequest } from 'node:http';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import t from 'tap';
import {
  DJANGO_FIXTURE_PREFIXES,
  djangoAdminLogin,
  freePort,
  headerLines,
  request,
  startDjango,
  startProxy,
  type TeardownHost,
} from './helpers/index.js';


interface Echo {
  method: string;
  path: string;
  headers: Record<string, string | null>;
  bodyLength: number;
}

/**
 * A transparent TCP relay in front of Django that records every byte the proxy sends it: Django
 * itself re-encodes the path it reports, so only the wire shows what the proxy forwarded.
 */
async function wireTap(host: TeardownHost, targetPort: number): Promise<{ port: number; sent(): string }> {
  let sent = '';
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = connect(targetPort, '127.0.0.1');
    sockets.add(inbound).add(outbound);
    inbound.on('data', (chunk: Buffer) => {
      sent += chunk.toString('latin1');
    });
    inbound.pipe(outbound).pipe(inbound);
    const close = (): void => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', close).on('close', close);
    outbound.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, sent: () => sent };
}

/** GET with the target exactly as given (a URL string would have its dot segments resolved). */
function getTarget(port: number, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: target, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout: ${target}`)));
    req.on('error', reject).end();
  });
}

/** Sends `head` as raw bytes (Node's client refuses some of these headers) and reads to the end. */
function rawExchange(port: number, head: string): Promise<{ head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('latin1');
    socket.setTimeout(10_000, () => socket.destroy(new Error('raw request timed out')));
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const split = text.indexOf('\r\n\r\n');
      resolve({ head: text.slice(0, split), body: text.slice(split + 4) });
    });
    socket.write(head);
  });
}

const django = await startDjango(t);
// Reflex and the frontend are never asked here; the proxy only needs their URLs.
const unused = `http://127.0.0.1:${await freePort()}`;
const proxyArgs = (djangoUrl: string, ...extra: string[]): string[] => [
  '--django-url', djangoUrl,
  '--reflex-backend-url', unused,
  '--reflex-frontend-url', unused,
  ...DJANGO_FIXTURE_PREFIXES.flatMap((prefix) => ['--django-prefix', prefix]),
  ...extra,
];
const proxy = await startProxy(t, proxyArgs(django.url));
const trusting = await startProxy(t, proxyArgs(django.url, '--trust-proxy'));

t.test('admin login through the proxy, with Host kept and no CSRF_TRUSTED_ORIGINS', async (t) => {
  // Origin = the proxy's origin, as a browser on the proxy sends it.
  const origin = `http://127.0.0.1:${proxy.port}`;
  t.equal(new URL(proxy.url).origin, origin);
  const session = await djangoAdminLogin(proxy.url, { origin });
  t.ok(session.sessionid, 'the login POST gives a session cookie (302, not 403 "Origin checking failed")');

  const index = await request(`${proxy.url}/admin/`, { headers: { Cookie: session.cookie } });
  t.equal(index.status, 200, 'the admin index, not a redirect to the login page');
  t.match(index.text(), /Site administration/);
  t.match(index.text(), /<strong>admin<\/strong>/, 'shows the logged-in user');
  t.same((await request(`${proxy.url}/whoami/`, { headers: { Cookie: session.cookie } })).json(), { user: 'admin' });

  const anonymous = await request(`${proxy.url}/admin/`);
  t.equal(anonymous.status, 302, 'without the session the admin redirects to its login');
});

t.test('a login whose Origin is not the Host is still refused (Django decides, not the proxy)', async (t) => {
  await t.rejects(djangoAdminLogin(proxy.url, { origin: 'http://elsewhere.example:1' }), /POST \/admin\/login\/ gave 403/);
});

t.test('static files are served by Django through the proxy, byte for byte', async (t) => {
  const direct = await request(`${django.url}/static/admin/css/base.css`);
  const proxied = await request(`${proxy.url}/static/admin/css/base.css`);
  t.equal(direct.status, 200);
  t.equal(proxied.status, 200);
  t.ok(proxied.body.length > 1000, 'a real stylesheet');
  t.ok(proxied.body.equals(direct.body), 'same bytes as from Django directly');
  t.equal(proxied.headers['content-type'], direct.headers['content-type']);
});

t.test('every Set-Cookie line reaches the client as its own, byte-identical line', async (t) => {
  const direct = headerLines(await request(`${django.url}/cookies/`), 'set-cookie');
  const proxied = headerLines(await request(`${proxy.url}/cookies/`), 'set-cookie');
  t.equal(direct.length, 2, 'Django sends two lines');
  t.same(proxied, direct, 'the same two lines, in order');
});

t.test('a StreamingHttpResponse chunk reaches the client before the next one is produced', async (t) => {
  const id = `proxy-${process.pid}`;
  const chunks: string[] = [];
  await new Promise<void>((resolve, reject) => {
    // If the proxy buffered, "first" would never arrive alone: fail fast instead of after the
    // view's own 30 s wait.
    const timer = setTimeout(() => reject(new Error('no first chunk within 10 s: the body is buffered')), 10_000);
    const req = httpRequest(`${proxy.url}/stream/?id=${id}`, { agent: false }, (res) => {
      t.equal(res.statusCode, 200);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        chunks.push(chunk);
        // Only now does the view get to produce its last chunk.
        if (chunks.length === 1) {
          clearTimeout(timer);
          request(`${proxy.url}/stream/release/?id=${id}`).catch(reject);
        }
      });
      res.on('end', resolve);
      res.on('error', reject);
    });
    req.on('error', reject).end();
    t.teardown(() => req.destroy());
  });
  t.equal(chunks[0], 'first\n', 'the first chunk arrived on its own');
  t.equal(chunks.join(''), 'first\nlast\n', 'then the rest');
});

t.test('/echo/: what Django receives', async (t) => {
  const port = proxy.port;
  t.test('Host kept, X-Forwarded-* set by the proxy', async (t) => {
    const echo = (await request(`${proxy.url}/echo/`)).json<Echo>();
    t.equal(echo.headers.Host, `127.0.0.1:${port}`, 'Host is the one the client sent, not Django\'s');
    t.equal(echo.headers['X-Forwarded-For'], '127.0.0.1', 'the client address');
    t.equal(echo.headers['X-Forwarded-Proto'], 'http');
    t.equal(echo.headers['X-Forwarded-Host'], `127.0.0.1:${port}`);
    t.equal(echo.headers['X-Forwarded-Port'], String(port));

    const viaLocalhost = (await request(`${proxy.url}/echo/`, { headers: { Host: `localhost:${port}` } })).json<Echo>();
    t.equal(viaLocalhost.headers.Host, `localhost:${port}`);
    t.equal(viaLocalhost.headers['X-Forwarded-Host'], `localhost:${port}`);
  });

  const spoofed = {
    'X-Forwarded-For': '203.0.113.7',
    'X-Forwarded-Proto': 'https',
    'X-Forwarded-Host': 'public.example',
    'X-Forwarded-Port': '443',
  };

  t.test('a client\'s own X-Forwarded-* are dropped by default', async (t) => {
    const echo = (await request(`${proxy.url}/echo/`, { headers: spoofed })).json<Echo>();
    t.equal(echo.headers['X-Forwarded-For'], '127.0.0.1');
    t.equal(echo.headers['X-Forwarded-Proto'], 'http');
    t.equal(echo.headers['X-Forwarded-Host'], `127.0.0.1:${port}`);
    t.equal(echo.headers['X-Forwarded-Port'], String(port));
  });

  t.test('with --trust-proxy they are kept, and the client address appended', async (t) => {
    const echo = (await request(`${trusting.url}/echo/`, { headers: spoofed })).json<Echo>();
    t.equal(echo.headers['X-Forwarded-For'], '203.0.113.7, 127.0.0.1');
    t.equal(echo.headers['X-Forwarded-Proto'], 'https');
    t.equal(echo.headers['X-Forwarded-Host'], 'public.example');
    t.equal(echo.headers['X-Forwarded-Port'], '443');
    t.equal(echo.headers.Host, `127.0.0.1:${trusting.port}`, 'Host still unchanged');
    const plain = (await request(`${trusting.url}/echo/`)).json<Echo>();
    t.equal(plain.headers['X-Forwarded-For'], '127.0.0.1', 'nothing to append to: the client address alone');
  });

  t.test('hop-by-hop headers are not forwarded; end-to-end ones are', async (t) => {
    const res = await rawExchange(
      port,
      [
        'GET /echo/ HTTP/1.1',
        `Host: 127.0.0.1:${port}`,
        'Connection: x-hop, close',
        'X-Hop: named-by-connection',
        'X-Hop-Kept: end-to-end',
        'Keep-Alive: timeout=5, max=100',
        'TE: trailers',
        'Trailer: X-Checksum',
        'Proxy-Authorization: Basic c2VjcmV0OnNlY3JldA==',
        'Cookie: kept=1',
        '',
        '',
      ].join('\r\n'),
    );
    t.match(res.head, /^HTTP\/1\.1 200 /);
    const echo = JSON.parse(res.body) as Echo;
    t.equal(echo.headers['X-Hop-Kept'], 'end-to-end', 'a header Connection does not name crosses');
    t.equal(echo.headers.Cookie, 'kept=1');
    t.notOk('X-Hop' in echo.headers, 'the header named by Connection is dropped');
    t.notMatch(echo.headers.Connection ?? '', /x-hop/i, 'the client\'s Connection is not forwarded');
    t.equal(echo.headers['Keep-Alive'], null);
    t.equal(echo.headers.TE, null);
    t.equal(echo.headers.Trailer, null);
    t.equal(echo.headers['Proxy-Authorization'], null);
  });

  t.test('the query string is forwarded unchanged', async (t) => {
    const echo = (await request(`${proxy.url}/echo/?a=%2F&b=1&b=2`)).json<Echo>();
    t.equal(echo.path, '/echo/?a=%2F&b=1&b=2');
  });

  t.test('a body crosses with the method', async (t) => {
    const echo = (
      await request(`${proxy.url}/echo/`, { method: 'POST', headers: { 'Content-Length': '11' }, body: 'hello world' })
    ).json<Echo>();
    t.equal(echo.method, 'POST');
    t.equal(echo.bodyLength, 11);
  });
});

t.test('the request target reaches Django byte for byte (seen on the wire)', async (t) => {
  const tap = await wireTap(t, django.port);
  const tapped = await startProxy(t, proxyArgs(`http://127.0.0.1:${tap.port}`));

  // Routed on the decoded path (/echo/), forwarded as sent: Django decodes it itself.
  const encoded = '/%65cho/?a=%2F&b=1&b=2';
  const echo = await request(`${tapped.url}${encoded}`);
  t.equal(echo.status, 200, 'Django resolved /%65cho/ as its /echo/ view');
  t.equal(echo.json<Echo>().path, '/echo/?a=%2F&b=1&b=2');
  t.match(tap.sent(), `GET ${encoded} HTTP/1.1\r\n`, 'the request line as the client wrote it');

  // No dot-segment or %2F normalisation on the way: Django gets it as is (and 404s).
  const odd = '/echo/%2E%2E/x%20y%2Fz/./../~?q=a%20b+c';
  const res = await getTarget(tapped.port, odd);
  t.equal(res.status, 404, "Django's own answer");
  t.match(res.body, /Page not found/);
  t.match(tap.sent(), `GET ${odd} HTTP/1.1\r\n`);
  // Header names are case-insensitive (RFC 9110 §5.1); the value is what Django compares.
  t.match(tap.sent(), new RegExp(`\r\nhost: 127\\.0\\.0\\.1:${tapped.port}\r\n`, 'i'), 'Host on the wire is the client\'s');
});

t.test('an absolute Location at Django\'s origin is moved to the origin the client used', async (t) => {
  const direct = await request(`${django.url}/redirect/`);
  t.equal(direct.headers.location, `http://127.0.0.1:${django.port}/admin/`, 'Django names its own origin');

  const port = proxy.port;
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
    const res = await request(`${proxy.url}/redirect/`, { headers: { Host: host } });
    t.equal(res.status, 302);
    t.same(headerLines(res, 'location'), [`http://${host}/admin/`], `Host ${host}`);
  }

  const relative = await request(`${proxy.url}/redirect-relative/`);
  t.equal(relative.status, 302);
  t.equal(relative.headers.location, '/admin/', 'a relative Location is left alone');
});

t.test('a 200 MiB upload arrives whole', async (t) => {
  const MiB = 1024 * 1024;
  const total = 200 * MiB;
  const block = Buffer.alloc(MiB, 0x61);
  let produced = 0;
  const body = new Readable({
    read() {
      if (produced >= total) return void this.push(null);
      produced += block.length;
      this.push(block);
    },
  });
  const res = await request(`${proxy.url}/upload-count/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(total) },
    body,
    timeoutMs: 120_000,
  });
  t.equal(res.status, 200);
  t.same(res.json(), { bytes: total });
});
