// The WebSocket relay (docs/routing.md §3, "WebSockets") against real `ws` servers in this process:
// every handshake header and offered subprotocol reaches the upstream, its choices come back,
// bytes flow untouched (permessage-deflate, 16 MiB messages, bursts), close codes cross both ways,
// and the client gets 101 only after the upstream's — or the upstream's own HTTP refusal.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import t from 'tap';
import WebSocket, { WebSocketServer } from 'ws';
import { readdirSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { freePort, sleep, startProxy, type TeardownHost } from './helpers/index.js';
import { startFaultyUpstream } from './helpers/faulty-upstream.js';

interface Connection {
  ws: WebSocket;
  req: IncomingMessage;
}

interface WsUpstream {
  url: string;
  /** Resolves with the next connection the upstream accepts. */
  nextConnection(): Promise<Connection>;
  /** Upgrade requests seen (accepted or not), in order. */
  readonly upgrades: IncomingMessage[];
  /** Response header lines of the last 101 the upstream wrote. */
  lastHandshakeHeaders(): string[];
  /** performance.now() when the delayed upstream wrote its 101. */
  delayedAnsweredAt: number | undefined;
}

const SLOW_MS = 300;

/**
 * A real `ws` server (perMessageDeflate on) behind a plain HTTP server, so paths can misbehave:
 * `.../refuse` → ws's verifyClient refusal (403), `.../plain-403` → a raw 403 from the HTTP server,
 * `.../slow` → the handshake answered SLOW_MS late. It picks the second offered subprotocol.
 */
async function wsUpstream(host: TeardownHost): Promise<WsUpstream> {
  const waiting: Array<(connection: Connection) => void> = [];
  const queued: Connection[] = [];
  let handshakeHeaders: string[] = [];
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: true,
    maxPayload: 64 * 1024 * 1024,
    handleProtocols: (offered) => [...offered][1] ?? [...offered][0] ?? false,
    verifyClient: (info, done) => {
      if (info.req.url?.includes('/refuse')) done(false, 403, 'Forbidden');
      else done(true);
    },
  });
  wss.on('headers', (headers) => {
    handshakeHeaders = [...headers];
  });
  wss.on('connection', (ws, req) => {
    const connection = { ws, req };
    const waiter = waiting.shift();
    if (waiter) waiter(connection);
    else queued.push(connection);
  });
  const upstream: WsUpstream = {
    url: '',
    upgrades: [],
    nextConnection: () => {
      const ready = queued.shift();
      return ready ? Promise.resolve(ready) : new Promise((resolve) => waiting.push(resolve));
    },
    lastHandshakeHeaders: () => handshakeHeaders,
    delayedAnsweredAt: undefined,
  };
  const server: Server = createServer((_req, res) => res.writeHead(426).end('WebSocket only\n'));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upstream.upgrades.push(req);
    const accept = (): void => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    if (req.url?.includes('/plain-403')) {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 10\r\nConnection: close\r\n\r\nnot you.\r\n');
    } else if (req.url?.includes('/slow')) {
      setTimeout(() => {
        upstream.delayedAnsweredAt = performance.now();
        accept();
      }, SLOW_MS);
    } else {
      accept();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  upstream.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  host.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return upstream;
}

const reflex = await wsUpstream(t);
const frontend = await wsUpstream(t);
const proxy = await startProxy(t, [
  '--django-url', `http://127.0.0.1:${await freePort()}`,
  '--reflex-backend-url', reflex.url,
  '--reflex-frontend-url', frontend.url,
]);
const wsBase = `ws://127.0.0.1:${proxy.port}`;

/** Opens a client through the proxy; resolves once open, rejects on any HTTP answer but 101. */
function open(path: string, protocols: string[] = [], options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsBase}${path}`, protocols, { perMessageDeflate: true, maxPayload: 64 * 1024 * 1024, ...options });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** An open pair: the client through the proxy and the upstream's side of it. */
async function pair(upstream: WsUpstream, path: string, protocols: string[] = [], options: WebSocket.ClientOptions = {}) {
  const server = upstream.nextConnection();
  const client = await open(path, protocols, options);
  return { client, ...(await server) };
}

function nextMessage(ws: WebSocket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data: Buffer) => resolve(data));
    ws.once('close', (code) => reject(new Error(`closed (${code}) before a message`)));
  });
}

function collect(ws: WebSocket, count: number): Promise<string[]> {
  return new Promise((resolve) => {
    const out: string[] = [];
    const onMessage = (data: Buffer): void => {
      out.push(data.toString());
      if (out.length === count) {
        ws.off('message', onMessage);
        resolve(out);
      }
    };
    ws.on('message', onMessage);
  });
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

t.test('the handshake crosses whole, and the upstream\'s choices come back', async (t) => {
  const target = '/_event/?token=a%2Fb%20c&EIO=4&transport=websocket';
  const { client, req } = await pair(reflex, target, ['0.9.8', 'chosen-one', 'third'], {
    origin: `http://127.0.0.1:${proxy.port}`,
    headers: {
      Cookie: 'csrftoken=abc; sessionid=xyz',
      'User-Agent': 'rdp-test/2',
      Authorization: 'Bearer t0ken',
    },
  });
  t.teardown(() => client.terminate());

  t.equal(req.url, target, 'query string unchanged');
  t.equal(req.headers.cookie, 'csrftoken=abc; sessionid=xyz');
  t.equal(req.headers.origin, `http://127.0.0.1:${proxy.port}`);
  t.equal(req.headers['user-agent'], 'rdp-test/2');
  t.equal(req.headers.authorization, 'Bearer t0ken');
  t.equal(req.headers['sec-websocket-protocol'], '0.9.8,chosen-one,third', 'all three offered subprotocols');
  t.match(req.headers['sec-websocket-extensions'], /^permessage-deflate/, 'the client\'s extension offer');
  t.equal(req.headers.host, `127.0.0.1:${proxy.port}`, 'Host unchanged');
  t.equal(req.headers['x-forwarded-for'], '127.0.0.1');

  t.equal(client.protocol, 'chosen-one', "the upstream's chosen subprotocol");
  t.match(client.extensions, /permessage-deflate/, 'permessage-deflate negotiated end to end');
  const upstreamExtensions = reflex.lastHandshakeHeaders().find((line) => /^sec-websocket-extensions:/i.test(line));
  t.ok(upstreamExtensions, 'the upstream answered with an extension');
  t.equal(upstreamExtensions?.replace(/^[^:]+:\s*/, ''), client.extensions, 'the same extension parameters');
});

t.test('upgrades off the Reflex prefixes go to the frontend', async (t) => {
  const { client, req } = await pair(frontend, '/?token=vite-token', ['vite-hmr']);
  t.teardown(() => client.terminate());
  t.equal(req.url, '/?token=vite-token');
  t.equal(client.protocol, 'vite-hmr');
});

t.test('16 MiB each way arrives intact', async (t) => {
  const { client, ws } = await pair(reflex, '/_event/?EIO=4&transport=websocket');
  t.teardown(() => client.terminate());
  const up = randomBytes(16 * 1024 * 1024);
  const down = randomBytes(16 * 1024 * 1024);

  const atUpstream = nextMessage(ws);
  client.send(up);
  const received = await atUpstream;
  t.equal(received.length, up.length);
  t.equal(sha256(received), sha256(up), 'client → upstream');

  const atClient = nextMessage(client);
  ws.send(down);
  const back = await atClient;
  t.equal(back.length, down.length);
  t.equal(sha256(back), sha256(down), 'upstream → client');
});

t.test('a client that stops reading stops the upstream: the proxy reads no faster than the client', async (t) => {
  const { client, ws } = await pair(reflex, '/_event/?EIO=4&transport=websocket');
  t.teardown(() => client.terminate());
  const MIB = 1024 * 1024;
  const chunks = Array.from({ length: 96 }, () => randomBytes(MIB));
  client.pause();
  for (const chunk of chunks) ws.send(chunk, { compress: false });
  // Once nothing has moved for 2 s, what the upstream could not hand over is still queued there
  // (a proxy reading on regardless takes it all within a second).
  let last = -1;
  for (let stable = 0; stable < 20; await sleep(100)) {
    stable = ws.bufferedAmount === last ? stable + 1 : 0;
    last = ws.bufferedAmount;
  }
  t.ok(ws.bufferedAmount > 48 * MIB, `the upstream still holds ${(ws.bufferedAmount / MIB).toFixed(1)} of 96 MiB: only socket buffers' worth is in flight`);
  const hashes: string[] = [];
  const received = new Promise<void>((resolve) => {
    client.on('message', (data: Buffer) => {
      hashes.push(sha256(data));
      if (hashes.length === chunks.length) resolve();
    });
  });
  client.resume();
  await received;
  t.same(hashes, chunks.map(sha256), 'then every message arrives, in order');
});

t.test('1000 small messages in a burst arrive in order, both ways', async (t) => {
  const { client, ws } = await pair(reflex, '/_event/?EIO=4&transport=websocket');
  t.teardown(() => client.terminate());
  const messages = Array.from({ length: 1000 }, (_, i) => `42/_event,["m",${i}]`);

  const atUpstream = collect(ws, messages.length);
  for (const message of messages) client.send(message);
  t.same(await atUpstream, messages, 'client → upstream');

  const atClient = collect(client, messages.length);
  for (const message of messages) ws.send(message);
  t.same(await atClient, messages, 'upstream → client');
});

t.test('a close code and reason cross the proxy both ways, and are logged', async (t) => {
  const fromClient = await pair(reflex, '/_event/?EIO=4&transport=websocket&case=client-close');
  fromClient.client.send('before closing');
  await nextMessage(fromClient.ws);
  const upstreamSaw = closed(fromClient.ws);
  fromClient.client.close(4001, 'client says bye');
  t.same(await upstreamSaw, { code: 4001, reason: 'client says bye' }, 'the upstream got the client\'s close');

  const fromUpstream = await pair(reflex, '/_event/?EIO=4&transport=websocket&case=upstream-close');
  fromUpstream.ws.send('before closing');
  await nextMessage(fromUpstream.client);
  const clientSaw = closed(fromUpstream.client);
  fromUpstream.ws.close(4001, 'upstream says bye');
  t.same(await clientSaw, { code: 4001, reason: 'upstream says bye' }, 'the client got the upstream\'s close');

  for (const [which, closedBy] of [['client-close', 'client'], ['upstream-close', 'upstream']] as const) {
    const record = await proxy.waitForLog(
      (r) => r.msg === 'websocket closed' && typeof r.path === 'string' && r.path.endsWith(`case=${which}`),
    );
    t.equal(record.closeCode, 4001, `${which}: closeCode logged`);
    t.equal(record.closedBy, closedBy);
    t.ok(Number(record.bytesIn) > 0, `${which}: bytesIn ${String(record.bytesIn)}`);
    t.ok(Number(record.bytesOut) > 0, `${which}: bytesOut ${String(record.bytesOut)}`);
  }
});

/** The HTTP status a handshake through the proxy ends with (101 when it opened) and the body. */
function handshakeOutcome(path: string): Promise<{ status: number; body: string; opened: boolean }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsBase}${path}`, ['0.9.8']);
    let opened = false;
    ws.once('open', () => {
      opened = true;
      ws.terminate();
      resolve({ status: 101, body: '', opened });
    });
    ws.once('unexpected-response', (req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body, opened });
      });
    });
    ws.once('error', reject);
  });
}

t.test('a refused handshake reaches the client as the upstream\'s HTTP error, never as an open socket', async (t) => {
  const viaWs = await handshakeOutcome('/_event/refuse?EIO=4&transport=websocket');
  t.same(viaWs, { status: 403, body: 'Forbidden', opened: false }, "ws's verifyClient refusal");

  const viaHttp = await handshakeOutcome('/_event/plain-403');
  t.same(viaHttp, { status: 403, body: 'not you.\r\n', opened: false }, 'a plain HTTP 403 with its body');

  const record = await proxy.waitForLog((r) => r.msg === 'websocket refused by upstream' && r.path === '/_event/plain-403');
  t.equal(record.statusCode, 403);
});

t.test('a client that leaves with a FIN while the upstream ignores it leaves nothing half-open', async (t) => {
  const faulty = await startFaultyUpstream(t);
  const own = await startProxy(t, ['--django-url', faulty.url, '--reflex-backend-url', faulty.url, '--reflex-frontend-url', faulty.url]);
  // The proxy's TCP sockets, from its descriptors; its start-up probes of the upstreams close first.
  const sockets = (): number => readdirSync(`/proc/${own.pid}/fd`).filter((fd) => {
    try {
      return readlinkSync(`/proc/${own.pid}/fd/${fd}`).startsWith('socket:');
    } catch {
      return false;
    }
  }).length;
  await sleep(1000);
  const before = sockets();
  const client = connect({ port: own.port, host: '127.0.0.1', allowHalfOpen: true });
  t.teardown(() => client.destroy());
  client.write(`GET /_event/ HTTP/1.1\r\nHost: 127.0.0.1:${own.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
  await new Promise<void>((resolve) => client.once('data', () => resolve()));
  t.equal(faulty.openUpgrades(), 1, 'switched');
  // A tab killed mid-session: the client's TCP ends, with no close frame.
  client.end();
  const record = await own.waitForLog((r) => r.msg === 'websocket closed', 30_000);
  t.equal(record.closedBy, 'connection');
  for (const deadline = Date.now() + 10_000; sockets() > before && Date.now() < deadline; ) await sleep(50);
  t.equal(sockets(), before, 'the proxy holds no socket of that WebSocket any more, on either side');
});

t.test('the client gets 101 only after the upstream has sent its 101', async (t) => {
  reflex.delayedAnsweredAt = undefined;
  const started = performance.now();
  const upstreamSide = reflex.nextConnection();
  const client = new WebSocket(`${wsBase}/_event/slow?EIO=4&transport=websocket`, ['0.9.8']);
  t.teardown(() => client.terminate());
  const upgradedAt = await new Promise<number>((resolve, reject) => {
    client.once('upgrade', () => resolve(performance.now()));
    client.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    client.once('error', reject);
  });
  const answeredAt = reflex.delayedAnsweredAt;
  t.ok(answeredAt !== undefined, 'the upstream had answered when the client got its 101');
  t.ok(upgradedAt >= (answeredAt ?? Infinity), 'the client\'s 101 came after the upstream\'s');
  t.ok(upgradedAt - started >= SLOW_MS - 5, `the client waited for the upstream (${Math.round(upgradedAt - started)} ms)`);
  await upstreamSide;
});
