// docs/routing.md §4 "When an upstream is not there", through the real proxy process: a refused
// connection is held (any method) until the upstream answers or --hold-timeout passes (503, HTML or
// JSON); an idempotent request whose connection closes before any response byte is retried once;
// anything else after bytes left is a 502; a response cut mid-body cuts the client's too.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import t from 'tap';
import WebSocket, { WebSocketServer } from 'ws';
import { freePort, request, sleep, startDjango, startProxy, type TeardownHost } from './helpers/index.js';

interface Seen {
  method: string;
  url: string;
  body: Buffer;
  remotePort: number | undefined;
}

interface TestUpstream {
  server: Server;
  port: number;
  url: string;
  seen: Seen[];
  /** Resolves once the server listens (immediately unless `listenAfterMs`). */
  listening: Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer, index: number) => void;

const echo: Handler = (req, res, body) => {
  const digest = createHash('sha256').update(body).digest('hex');
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ method: req.method, url: req.url, length: body.length, sha256: digest }));
};

/** An in-process upstream recording every request it sees, on `port` (default: a free one). */
async function upstream(
  t: TeardownHost,
  handler: Handler = echo,
  opts: { port?: number; listenAfterMs?: number; recordBeforeBody?: boolean } = {},
): Promise<TestUpstream> {
  const port = opts.port ?? (await freePort());
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const index = seen.length;
    const entry: Seen = { method: req.method ?? '', url: req.url ?? '', body: Buffer.alloc(0), remotePort: req.socket.remotePort };
    seen.push(entry);
    if (opts.recordBeforeBody) {
      handler(req, res, Buffer.alloc(0), index);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      entry.body = Buffer.concat(chunks);
      handler(req, res, entry.body, index);
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  let timer: NodeJS.Timeout | undefined;
  const listening = new Promise<void>((resolve, reject) => {
    const listen = () => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    };
    if (opts.listenAfterMs === undefined) listen();
    else timer = setTimeout(listen, opts.listenAfterMs);
  });
  t.teardown(async () => {
    clearTimeout(timer);
    server.closeAllConnections();
    await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  });
  if (opts.listenAfterMs === undefined) await listening;
  return { server, port, url: `http://127.0.0.1:${port}`, seen, listening };
}

/** Proxy flags: Django on `djangoPort` (prefix /admin), the other upstreams on given or unused ports. */
async function upstreamFlags(ports: { django: number; reflex?: number; frontend?: number }): Promise<string[]> {
  return [
    '--django-url', `http://127.0.0.1:${ports.django}`,
    '--reflex-backend-url', `http://127.0.0.1:${ports.reflex ?? (await freePort())}`,
    '--reflex-frontend-url', `http://127.0.0.1:${ports.frontend ?? (await freePort())}`,
    '--django-prefix', '/admin',
  ];
}

/** Rejects after `ms` unless `promise` settles first. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

t.test('a request to an upstream that is down is held until it listens', async (t) => {
  const port = await freePort();
  // A hold timeout far beyond the 1 s outage: being released by the upstream's return is told
  // apart from being released by the timeout even on a loaded machine.
  const proxy = await startProxy(t, [...(await upstreamFlags({ django: port })), '--hold-timeout', '30000']);

  await t.test('GET', async (t) => {
    const up = await upstream(t, echo, { port, listenAfterMs: 1000 });
    const started = Date.now();
    const res = await request(`${proxy.url}/admin/held?x=1`, { timeoutMs: 40_000 });
    const elapsed = Date.now() - started;
    t.equal(res.status, 200, 'the upstream answered after the hold');
    t.same(res.json(), { method: 'GET', url: '/admin/held?x=1', length: 0, sha256: createHash('sha256').digest('hex') });
    t.ok(elapsed >= 900, `held while the upstream was down (${elapsed} ms)`);
    t.ok(elapsed < 15_000, `released after it came up (${elapsed} ms), not at the 30 s hold timeout`);
    t.equal(up.seen.length, 1, 'the upstream saw the request once');
  });

  await t.test('POST with a body: the body arrives whole after the hold', async (t) => {
    const up = await upstream(t, echo, { port, listenAfterMs: 1000 });
    const body = randomBytes(256 * 1024);
    const started = Date.now();
    const res = await request(`${proxy.url}/admin/upload`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.length) },
      body,
      timeoutMs: 10_000,
    });
    const elapsed = Date.now() - started;
    t.equal(res.status, 200, res.text());
    t.same(res.json(), {
      method: 'POST',
      url: '/admin/upload',
      length: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
    }, 'every body byte reached the upstream, in order');
    t.ok(elapsed >= 900, `held while the upstream was down (${elapsed} ms)`);
    t.equal(up.seen.length, 1);
  });

  await t.test('a chunked POST body also survives the hold', async (t) => {
    const up = await upstream(t, echo, { port, listenAfterMs: 800 });
    const body = randomBytes(100_000);
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const socket = connect(proxy.port, '127.0.0.1');
      let data = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (data += chunk));
      socket.on('error', reject);
      socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0), text: data }));
      socket.write(`POST /admin/chunked HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`);
      for (let offset = 0; offset < body.length; offset += 30_000) {
        const part = body.subarray(offset, offset + 30_000);
        socket.write(`${part.length.toString(16)}\r\n`);
        socket.write(part);
        socket.write('\r\n');
      }
      socket.write('0\r\n\r\n');
      setTimeout(() => socket.destroy(new Error('no answer within 10 s')), 10_000).unref();
    });
    t.equal(res.status, 200, res.text.slice(0, 300));
    const json = JSON.parse(res.text.slice(res.text.indexOf('\r\n\r\n') + 4)) as { length: number; sha256: string };
    t.equal(json.length, body.length);
    t.equal(json.sha256, createHash('sha256').update(body).digest('hex'));
    t.equal(up.seen.length, 1);
  });
});

t.test('past the hold timeout: 503 naming the upstream', async (t) => {
  const port = await freePort();
  const proxy = await startProxy(t, [...(await upstreamFlags({ django: port })), '--hold-timeout', '500']);
  const url = `http://127.0.0.1:${port}`;

  await t.test('a browser gets a page that refreshes itself', async (t) => {
    const started = Date.now();
    const res = await request(`${proxy.url}/admin/`, { headers: { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }, timeoutMs: 20_000 });
    const elapsed = Date.now() - started;
    t.equal(res.status, 503);
    t.match(res.headers['content-type'], /^text\/html/);
    const html = res.text();
    t.match(html, /<meta http-equiv="refresh" content="\d+">/, 'meta refresh');
    t.match(html, /django/, 'names the upstream');
    t.ok(html.includes(url), `names its URL ${url}`);
    t.match(html, /down/, 'and its state');
    t.ok(elapsed >= 450, `waited for the hold timeout first (${elapsed} ms)`);
    t.ok(elapsed < 8000, `answered at the hold timeout, not held on (${elapsed} ms)`);
  });

  await t.test('an API client gets JSON', async (t) => {
    const res = await request(`${proxy.url}/admin/api`, { headers: { Accept: 'application/json' }, timeoutMs: 10_000 });
    t.equal(res.status, 503);
    t.match(res.headers['content-type'], /^application\/json/);
    const body = res.json<{ error: string; status: number; message: string; upstream: { name: string; url: string; state: string } }>();
    t.equal(body.error, 'RDP_ERR_UPSTREAM_UNAVAILABLE');
    t.equal(body.status, 503);
    t.equal(body.upstream.name, 'django');
    t.equal(body.upstream.url, url);
    t.equal(body.upstream.state, 'down');
    t.type(body.message, 'string');
  });

  await t.test('a POST past the hold timeout is a 503 too, and the connection is not confused by its unread body', async (t) => {
    const res = await request(`${proxy.url}/admin/form`, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'text/plain', 'Content-Length': '11' },
      body: 'hello world',
      timeoutMs: 10_000,
    });
    t.equal(res.status, 503);
    t.equal(res.json<{ error: string }>().error, 'RDP_ERR_UPSTREAM_UNAVAILABLE');
  });

  t.notOk(proxy.process.hasExited(), 'the proxy is still running');
});

t.test('real Django restarted on the same port within the hold timeout', async (t) => {
  const django = await startDjango(t);
  const proxy = await startProxy(t, [...(await upstreamFlags({ django: django.port })), '--hold-timeout', '30000']);
  const warm = await request(`${proxy.url}/admin/login/`);
  t.equal(warm.status, 200, 'Django answers through the proxy');

  await django.stop();
  const started = Date.now();
  const pending = request(`${proxy.url}/admin/login/`, { timeoutMs: 40_000 });
  let settled = false;
  void pending.then(() => (settled = true), () => (settled = true));
  await sleep(500);
  t.notOk(settled, 'no answer while Django is down (the request is held)');
  const again = await startDjango(t, { port: django.port });
  t.equal(again.port, django.port);
  const res = await pending;
  t.equal(res.status, 200, 'the held request reached the restarted Django');
  t.match(res.text(), /csrfmiddlewaretoken/);
  t.ok(Date.now() - started >= 500);
});

t.test('retry once: an idempotent request whose connection closed before any response byte', async (t) => {
  /** Destroys the connections of the first `failures` requests without a byte, then answers. */
  const flaky = (failures: number): Handler => (req, res, _body, index) => {
    if (index < failures) req.socket.destroy();
    else res.end(`answered ${req.method} ${req.url} on attempt ${index + 1}`);
  };

  await t.test('GET is retried once and succeeds', async (t) => {
    const up = await upstream(t, flaky(1));
    const proxy = await startProxy(t, await upstreamFlags({ django: up.port }));
    const res = await request(`${proxy.url}/admin/retry`, { timeoutMs: 10_000 });
    t.equal(res.status, 200);
    t.equal(res.text(), 'answered GET /admin/retry on attempt 2');
    t.equal(up.seen.length, 2, 'two attempts reached the upstream');
    t.not(up.seen[0]!.remotePort, up.seen[1]!.remotePort, 'the retry used a fresh connection');
  });

  await t.test('POST with a body is not retried: 502', async (t) => {
    const up = await upstream(t, flaky(1), { recordBeforeBody: true });
    const proxy = await startProxy(t, await upstreamFlags({ django: up.port }));
    const body = 'a=1&b=2';
    const res = await request(`${proxy.url}/admin/submit`, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(body.length) },
      body,
      timeoutMs: 10_000,
    });
    t.equal(res.status, 502);
    t.equal(res.json<{ error: string }>().error, 'RDP_ERR_UPSTREAM_FAILED');
    t.equal(up.seen.length, 1, 'one attempt only');
    // The proxy still serves; the upstream would answer this one.
    const next = await request(`${proxy.url}/admin/after`, { timeoutMs: 10_000 });
    t.equal(next.status, 200);
    t.equal(up.seen.length, 2);
    t.equal(up.seen[1]!.url, '/admin/after', 'the POST was never sent again');
  });

  await t.test('an upstream that always closes without answering: 502 after exactly 2 attempts', async (t) => {
    const up = await upstream(t, flaky(Infinity));
    const proxy = await startProxy(t, await upstreamFlags({ django: up.port }));
    const res = await request(`${proxy.url}/admin/never`, { headers: { Accept: 'application/json' }, timeoutMs: 10_000 });
    t.equal(res.status, 502);
    t.equal(res.json<{ error: string }>().error, 'RDP_ERR_UPSTREAM_FAILED');
    t.equal(up.seen.length, 2, 'exactly two attempts');
    t.equal(new Set(up.seen.map((s) => s.remotePort)).size, 2, 'on two connections');
    await sleep(300);
    t.equal(up.seen.length, 2, 'and no attempt after the answer');
  });
});

t.test('an upstream that dies mid-body cuts the client, never hangs', async (t) => {
  const variants: Array<[string, Handler]> = [
    ['Content-Length', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '100000' });
      res.write('x'.repeat(1000), () => setTimeout(() => res.socket?.destroy(), 50));
    }],
    ['chunked', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('y'.repeat(1000), () => setTimeout(() => res.socket?.destroy(), 50));
    }],
  ];
  for (const [name, handler] of variants) {
    await t.test(name, async (t) => {
      const up = await upstream(t, handler);
      const proxy = await startProxy(t, await upstreamFlags({ django: up.port }));
      // A raw client: the status line must arrive, then the connection must end short of the body.
      const result = await within(
        new Promise<{ head: string; body: string; bodyBytes: number; error: string | undefined }>((resolve) => {
          const socket = connect(proxy.port, '127.0.0.1');
          const chunks: Buffer[] = [];
          let error: string | undefined;
          socket.on('data', (chunk: Buffer) => chunks.push(chunk));
          socket.on('error', (err) => (error = err.message));
          socket.on('close', () => {
            const all = Buffer.concat(chunks);
            const split = all.indexOf('\r\n\r\n');
            const body = all.subarray(split + 4).toString('latin1');
            resolve({ head: all.subarray(0, split).toString('latin1'), body, bodyBytes: body.length, error });
          });
          socket.write(`GET /admin/cut HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\n\r\n`);
        }),
        10_000,
        'the client connection closing',
      );
      t.match(result.head, /^HTTP\/1\.1 200/, 'the headers were relayed');
      t.ok(result.bodyBytes >= 1000, `the bytes sent were relayed (${result.bodyBytes})`);
      if (name === 'Content-Length') {
        t.match(result.head, /content-length: 100000/i);
        t.ok(result.bodyBytes < 100_000, 'the connection closed before the announced length');
      } else {
        t.match(result.head, /transfer-encoding: chunked/i);
        t.notOk(result.body.endsWith('0\r\n\r\n'), 'no terminating chunk: the client can tell the body is incomplete');
      }
      // Through a real HTTP client the cut shows as an error, not a complete response.
      await t.rejects(request(`${proxy.url}/admin/cut`, { timeoutMs: 10_000 }), { message: /aborted|hang up|ECONNRESET|terminated/i });
      t.notOk(proxy.process.hasExited());
    });
  }
});

t.test('WebSocket upgrade while the backend is down', async (t) => {
  function connectWs(url: string): Promise<{ kind: 'open'; ws: WebSocket; first: string } | { kind: 'response'; status: number; body: string }> {
    return within(
      new Promise((resolve, reject) => {
        const ws = new WebSocket(url, ['0.9.8']);
        ws.once('open', () => {
          ws.once('message', (data: WebSocket.RawData) => resolve({ kind: 'open', ws, first: data.toString() }));
        });
        ws.once('unexpected-response', (req, res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => {
            resolve({ kind: 'response', status: res.statusCode ?? 0, body });
            req.destroy();
          });
        });
        ws.once('error', reject);
      }),
      15_000,
      `WebSocket ${url}`,
    );
  }

  await t.test('past the hold timeout: HTTP 503, never 101', async (t) => {
    const port = await freePort();
    const proxy = await startProxy(t, [...(await upstreamFlags({ django: await freePort(), reflex: port })), '--hold-timeout', '500']);
    const started = Date.now();
    const result = await connectWs(`ws://127.0.0.1:${proxy.port}/_event/?EIO=4&transport=websocket`);
    t.equal(result.kind, 'response', 'unexpected-response, not open');
    if (result.kind === 'response') {
      t.equal(result.status, 503);
      t.match(result.body, /reflex/);
    } else {
      result.ws.terminate();
    }
    t.ok(Date.now() - started >= 450, 'after the hold timeout');
    t.notOk(proxy.process.hasExited());
  });

  await t.test('held, then opened when the backend comes up within the timeout', async (t) => {
    const port = await freePort();
    const proxy = await startProxy(t, [...(await upstreamFlags({ django: await freePort(), reflex: port })), '--hold-timeout', '5000']);
    const backend = createServer((_req, res) => res.writeHead(426).end());
    const wss = new WebSocketServer({ server: backend, handleProtocols: (protocols) => [...protocols][0] ?? false });
    const paths: string[] = [];
    wss.on('connection', (ws, req) => {
      paths.push(req.url ?? '');
      ws.send('hello from the backend');
    });
    const timer = setTimeout(() => backend.listen(port, '127.0.0.1'), 1000);
    t.teardown(async () => {
      clearTimeout(timer);
      for (const client of wss.clients) client.terminate();
      wss.close();
      backend.closeAllConnections();
      await new Promise<void>((resolve) => (backend.listening ? backend.close(() => resolve()) : resolve()));
    });
    const started = Date.now();
    const result = await connectWs(`ws://127.0.0.1:${proxy.port}/_event/?EIO=4&transport=websocket`);
    t.equal(result.kind, 'open', 'the socket opened once the backend was up');
    if (result.kind === 'open') {
      t.equal(result.first, 'hello from the backend');
      t.equal(result.ws.protocol, '0.9.8', 'subprotocol echoed');
      const closed = new Promise<number>((resolve) => result.ws.once('close', (code) => resolve(code)));
      result.ws.close(1000);
      t.equal(await within(closed, 5000, 'close'), 1000);
    }
    t.ok(Date.now() - started >= 900, 'it was held first');
    t.same(paths, ['/_event/?EIO=4&transport=websocket'], 'one handshake reached the backend, query kept');
  });
});

t.test('a client that disconnects while its request is held', async (t) => {
  const port = await freePort();
  const proxy = await startProxy(t, [...(await upstreamFlags({ django: port })), '--hold-timeout', '5000']);

  const abandon = async (head: string, body?: string): Promise<void> => {
    const socket: Socket = connect(proxy.port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(head);
    if (body !== undefined) socket.write(body);
    await sleep(400);
    socket.destroy();
  };
  await abandon(`GET /admin/gone HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\n\r\n`);
  await abandon(`POST /admin/gone-post HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\nContent-Length: 5\r\n\r\n`, 'ab');

  const gone = await proxy.waitForLog((r) => r.msg === 'request completed' && r.path === '/admin/gone', 5000);
  t.equal(gone.statusCode, 499, 'logged as closed by the client');
  const gonePost = await proxy.waitForLog((r) => r.msg === 'request completed' && r.path === '/admin/gone-post', 5000);
  t.equal(gonePost.statusCode, 499);
  t.notOk(proxy.process.hasExited(), 'the proxy did not crash');

  const up = await upstream(t, echo, { port });
  const res = await request(`${proxy.url}/admin/later`, { timeoutMs: 10_000 });
  t.equal(res.status, 200, 'a later request works');
  await sleep(300);
  t.same(up.seen.map((s) => s.url), ['/admin/later'], 'the abandoned requests were never forwarded');
  t.notOk(proxy.process.hasExited());
});
