// Bad input that takes more than one request and one answer: a chunked body that breaks before or
// after the answer began, a client trickling its headers, absolute-form targets and targets Fastify
// would refuse, the status endpoint from loopback, and the loopback default listen address. Every
// one-request case is a row of test/bad-input-table.test.ts.
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { lookup } from 'node:dns/promises';
import { connect, createServer as createNetServer } from 'node:net';
import t, { type Test } from 'tap';
import { freePort, request, sleep, startProxy, type RunningProxy, type TeardownHost } from './helpers/index.js';
import { parseAnswer, raw, type RawAnswer } from './helpers/raw-http.js';

interface Seen {
  method: string;
  url: string;
  host: string | undefined;
  body: string;
}

interface Recorder {
  port: number;
  seen: Seen[];
}

/** An upstream recording every request it sees; answers `<name> <method> <url>`. */
async function recorder(t: TeardownHost, name: string): Promise<Recorder> {
  const seen: Seen[] = [];
  const server: Server = createHttpServer((req: IncomingMessage, res) => {
    const entry: Seen = { method: req.method ?? '', url: req.url ?? '', host: req.headers.host, body: '' };
    seen.push(entry);
    req.setEncoding('latin1');
    req.on('data', (chunk: string) => (entry.body += chunk));
    req.on('end', () => res.end(`${name} ${req.method} ${req.url}`));
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  t.teardown(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, seen };
}

interface Setup {
  proxy: RunningProxy;
  django: Recorder;
  reflex: Recorder;
  frontend: Recorder;
  host: string;
}

async function setup(t: TeardownHost, extra: string[] = []): Promise<Setup> {
  const [django, reflex, frontend] = [await recorder(t, 'django'), await recorder(t, 'reflex'), await recorder(t, 'frontend')];
  const proxy = await startProxy(t, [
    '--django-url', `http://127.0.0.1:${django.port}`,
    '--reflex-backend-url', `http://127.0.0.1:${reflex.port}`,
    '--reflex-frontend-url', `http://127.0.0.1:${frontend.port}`,
    '--django-prefix', '/admin',
    '--hold-timeout', '1000',
    ...extra,
  ]);
  return { proxy, django, reflex, frontend, host: `127.0.0.1:${proxy.port}` };
}

let probeCounter = 0;

/** After each bad case: the process is alive and a normal request goes through. */
async function stillServes(t: Test, s: Setup): Promise<void> {
  const path = `/admin/still-ok-${++probeCounter}`;
  const res = await request(`${s.proxy.url}${path}`, { timeoutMs: 5000 });
  t.equal(res.status, 200, 'a normal request still works afterwards');
  t.equal(res.text(), `django GET ${path}`);
  t.notOk(s.proxy.process.hasExited(), 'the proxy is still running');
}

t.test('a malformed chunked body', async (t) => {
  const seen: string[] = [];
  const aborted: string[] = [];
  // Answers /admin/early before reading the body, the rest once the body has ended.
  const server = createHttpServer((req, res) => {
    seen.push(req.url ?? '');
    req.on('aborted', () => aborted.push(req.url ?? ''));
    if (req.url === '/admin/early') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('early-part;');
    }
    req.resume();
    req.on('end', () => res.end('done'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  t.teardown(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const upstreamPort = (server.address() as { port: number }).port;
  const proxy = await startProxy(t, [
    '--django-url', `http://127.0.0.1:${upstreamPort}`,
    '--reflex-backend-url', `http://127.0.0.1:${upstreamPort}`,
    '--reflex-frontend-url', `http://127.0.0.1:${upstreamPort}`,
    '--django-prefix', '/admin',
  ]);
  const send = (path: string): Promise<RawAnswer> =>
    new Promise((resolve, reject) => {
      const socket = connect(proxy.port, '127.0.0.1');
      let text = '';
      let badSent = false;
      const sendBad = (): void => {
        if (badSent) return;
        badSent = true;
        socket.write('zz\r\n\r\n');
      };
      const started = Date.now();
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        text += chunk;
        // For /admin/early the bad chunk goes out once the upstream's answer has begun.
        if (path === '/admin/early' && text.includes('early-part;')) sendBad();
      });
      socket.on('error', () => {});
      socket.on('close', () => {
        clearTimeout(guard);
        resolve(parseAnswer(text, Date.now() - started));
      });
      socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n`);
      if (path !== '/admin/early') setTimeout(sendBad, 300);
      const guard = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no close within 5 s: ${JSON.stringify(text)}`));
      }, 5000);
    });

  await t.test('before the response began: 400', async (t) => {
    const answer = await send('/admin/late');
    t.equal(answer.status, 400, answer.head);
    t.match(answer.body, /RDP_ERR_BAD_REQUEST: .*chunk/i);
  });

  await t.test('after the response began: the connection is cut, no second status line injected', async (t) => {
    const answer = await send('/admin/early');
    t.equal(answer.status, 200, answer.head);
    t.match(answer.body, /early-part;/);
    t.notMatch(answer.body, /HTTP\/1\.1/, 'no raw 400 written into the chunked body');
    t.notOk(answer.body.endsWith('0\r\n\r\n'), 'the body is not terminated as if complete');
  });

  t.same(seen, ['/admin/late', '/admin/early']);
  for (const deadline = Date.now() + 5000; aborted.length < 2 && Date.now() < deadline; ) await sleep(25);
  t.same(aborted.sort(), ['/admin/early', '/admin/late'], 'both upstream requests were aborted, not left waiting for the rest');
  const res = await request(`${proxy.url}/admin/after`, { timeoutMs: 5000 });
  t.equal(res.status, 200, 'a normal request still works afterwards');
  t.notOk(proxy.process.hasExited());
});

t.test('an absolute-form target is routed on its path and sent as origin-form, never to its host', async (t) => {
  const s = await setup(t);
  // A server standing in for "other.host": any connection to it is a failure.
  let trapped = 0;
  const trap = createNetServer((socket) => {
    trapped++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', () => resolve()));
  t.teardown(() => new Promise<void>((resolve) => trap.close(() => resolve())));
  const trapPort = (trap.address() as { port: number }).port;

  const a = await raw(s.proxy.port, `GET http://other.host/x HTTP/1.1\r\nHost: ${s.host}\r\nConnection: close\r\n\r\n`);
  t.equal(a.status, 200, a.head);
  t.equal(a.body, 'frontend GET /x', 'rule 4 on the path /x');
  t.same(s.frontend.seen.map((r) => [r.url, r.host]), [['/x', s.host]], 'the upstream saw origin-form /x and the proxy Host');

  const b = await raw(s.proxy.port, `GET http://127.0.0.1:${trapPort}/admin/y?q=1 HTTP/1.1\r\nHost: ${s.host}\r\nConnection: close\r\n\r\n`);
  t.equal(b.status, 200, b.head);
  t.equal(b.body, 'django GET /admin/y?q=1', 'routed to Django on its path, query kept');
  t.equal(s.django.seen.at(-1)?.url, '/admin/y?q=1');
  t.equal(trapped, 0, 'no connection to the host named in the target');
  await stillServes(t, s);
});

t.test('targets the framework would refuse reach the router', async (t) => {
  const s = await setup(t);
  const a = await raw(s.proxy.port, `GET /%zz?q=%zz&r=%%41 HTTP/1.1\r\nHost: ${s.host}\r\nConnection: close\r\n\r\n`);
  t.equal(a.status, 200, a.head);
  t.equal(s.frontend.seen.at(-1)?.url, '/%zz?q=%zz&r=%%41', 'byte for byte to the frontend');

  const b = await raw(s.proxy.port, `GET /admin%2Fx/%zz HTTP/1.1\r\nHost: ${s.host}\r\nConnection: close\r\n\r\n`);
  t.equal(b.status, 200, b.head);
  t.equal(s.django.seen.at(-1)?.url, '/admin%2Fx/%zz', 'decoded for routing (%2F is /), forwarded raw');

  const c = await raw(s.proxy.port, `POST /%zz HTTP/1.1\r\nHost: ${s.host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
  t.equal(c.status, 405, c.head);
  t.equal(c.headers['allow'], 'GET, HEAD, OPTIONS');
  t.equal(s.frontend.seen.length, 1, 'the POST was not forwarded');

  const d = await raw(s.proxy.port, `GET * HTTP/1.1\r\nHost: ${s.host}\r\nConnection: close\r\n\r\n`);
  t.equal(d.status, 400, `an asterisk-form GET is refused by the proxy: ${d.head}`);
  t.match(d.body, /RDP_ERR_BAD_TARGET/);
  await stillServes(t, s);
});

t.test('a client trickling its headers is cut with 408; others are served meanwhile', async (t) => {
  const s = await setup(t, ['--headers-timeout', '1000']);
  const head = `GET /admin/slow HTTP/1.1\r\nHost: ${s.host}\r\nX-Slow: ${'z'.repeat(40)}\r\n\r\n`;
  const trickle = new Promise<RawAnswer>((resolve, reject) => {
    const socket = connect(s.proxy.port, '127.0.0.1');
    let text = '';
    let index = 0;
    let interval: NodeJS.Timeout | undefined;
    const started = Date.now();
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(interval);
      clearTimeout(guard);
      resolve(parseAnswer(text, Date.now() - started));
    });
    socket.once('connect', () => {
      interval = setInterval(() => {
        if (index < head.length && socket.writable) socket.write(head[index++]!);
      }, 200);
    });
    const guard = setTimeout(() => {
      clearInterval(interval);
      socket.destroy();
      reject(new Error(`no 408 within 30 s; sent ${index} bytes, got ${JSON.stringify(text)}`));
    }, 30_000);
  });

  let trickleEnded = false;
  void trickle.then(() => (trickleEnded = true), () => (trickleEnded = true));

  // Meanwhile, another client is served at once.
  const fast = await request(`${s.proxy.url}/admin/fast`, { timeoutMs: 5000 });
  t.equal(fast.status, 200);
  t.notOk(trickleEnded, 'served while the slow client was still sending');

  const answer = await trickle;
  t.equal(answer.status, 408, answer.head);
  t.match(answer.body, /RDP_ERR_HEADERS_TIMEOUT/);
  t.ok(answer.elapsed >= 900, `not before the headers timeout (${answer.elapsed} ms)`);
  t.ok(answer.elapsed < 15_000, `at the timeout, not when the trickle ends (${answer.elapsed} ms)`);
  t.notOk(s.django.seen.some((r) => r.url === '/admin/slow'), 'the slow request never reached Django');
  await stillServes(t, s);
});

t.test('/__rdp/health answers loopback clients', async (t) => {
  const s = await setup(t);
  const answer = await raw(s.proxy.port, `GET /__rdp/health HTTP/1.1\r\nHost: ${s.host}\r\nConnection: close\r\n\r\n`);
  t.equal(answer.status, 200, answer.head);
  const body = JSON.parse(answer.body) as { status: string; upstreams: Array<{ name: string }> };
  t.equal(body.status, 'up');
  t.same(body.upstreams.map((u) => u.name).sort(), ['django', 'frontend', 'reflex']);
  await stillServes(t, s);
});

t.test('the default listen address is loopback', async (t) => {
  const port = await freePort();
  const proxy = await startProxy(t, [
    '--django-url', `http://127.0.0.1:${port}`,
    '--reflex-backend-url', `http://127.0.0.1:${port}`,
    '--reflex-frontend-url', `http://127.0.0.1:${port}`,
  ]);
  const listening = proxy.logs().find((r) => r.msg === 'proxy listening');
  t.match(String(listening?.url), /^http:\/\/127\.0\.0\.1:\d+$/, `listening on loopback: ${String(listening?.url)}`);
});

t.test('--host localhost is bound, served and stopped like any other address', async (t) => {
  const s = await setup(t, ['--host', 'localhost']);
  const listening = s.proxy.logs().find((r) => r.msg === 'proxy listening');
  const bound = new URL(String(listening?.url)).hostname.replace(/^\[|\]$/g, '');
  t.equal(bound, (await lookup('localhost')).address, `listening on ${bound}`);
  await stillServes(t, s);
  process.kill(s.proxy.pid, 'SIGTERM');
  t.equal((await s.proxy.process.exited).code, 0, 'exit 0 after a graceful stop');
});
