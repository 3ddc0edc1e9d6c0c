// Access logs: in JSON mode one `request completed` record per request and one `websocket opened`
// / `websocket closed` pair per WebSocket, with the documented fields; `--log-format pretty`
// folds each access record into one human line.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import t from 'tap';
import WebSocket, { WebSocketServer } from 'ws';
import { CLI, freePort, repoRoot, request, sleep, spawnManaged, startProxy, stopOnTeardown, type TeardownHost } from './helpers/index.js';

type LogRecord = Record<string, unknown>;

async function listen(t: TeardownHost, server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  t.teardown(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** An HTTP upstream answering `<name> <url>`, and on its server a WebSocket echo. */
async function upstream(t: TeardownHost, name: string): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end(`${name} ${req.url}`));
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => {
    ws.send(`welcome from ${name}`);
    ws.on('message', (data: WebSocket.RawData) => ws.send(data));
  });
  t.teardown(() => {
    for (const client of wss.clients) client.terminate();
    wss.close();
  });
  return listen(t, server);
}

const accessRecords = (records: LogRecord[], msg: string): LogRecord[] => records.filter((r) => r.msg === msg);

t.test('JSON mode: one access record per request', async (t) => {
  const [django, reflex, frontend] = [await upstream(t, 'django'), await upstream(t, 'reflex'), await upstream(t, 'frontend')];
  const proxy = await startProxy(t, [
    '--django-url', django,
    '--reflex-backend-url', reflex,
    '--reflex-frontend-url', frontend,
    '--django-prefix', '/admin',
    '--hold-timeout', '300',
  ]);

  const plan: Array<{ method: string; path: string; target: string; status: number; rule: number; body?: string }> = [
    { method: 'GET', path: '/admin/one?x=1', target: 'django', status: 200, rule: 3 },
    { method: 'POST', path: '/admin/two', target: 'django', status: 200, rule: 3, body: 'payload' },
    { method: 'GET', path: '/_event/three', target: 'reflex', status: 200, rule: 1 },
    { method: 'HEAD', path: '/four', target: 'frontend', status: 200, rule: 4 },
    { method: 'GET', path: '/four', target: 'frontend', status: 200, rule: 4 },
    { method: 'DELETE', path: '/five', target: 'proxy', status: 405, rule: 5 },
  ];
  for (const step of plan) {
    const res = await request(`${proxy.url}${step.path}`, {
      method: step.method,
      ...(step.body === undefined ? {} : { body: step.body, headers: { 'Content-Length': String(step.body.length) } }),
      timeoutMs: 5000,
    });
    t.equal(res.status, step.status, `${step.method} ${step.path}`);
  }
  // A sentinel: records are written in order, so once its record is there every earlier one is.
  await request(`${proxy.url}/admin/sentinel`, { timeoutMs: 5000 });
  await proxy.waitForLog((r) => r.msg === 'request completed' && r.path === '/admin/sentinel', 5000);

  const records = accessRecords(proxy.logs(), 'request completed');
  t.equal(records.length, plan.length + 1, 'one record per request, no more');
  for (const [i, step] of plan.entries()) {
    const record = records[i]!;
    t.match(record, { method: step.method, path: step.path, target: step.target, statusCode: step.status }, `record ${i}: ${step.method} ${step.path}`);
    t.match(record, { kind: 'http', rule: step.rule, component: 'access' }, 'keyed by its kind, with the deciding rule');
    t.type(record.responseTime, 'number');
    t.ok((record.responseTime as number) >= 0);
    t.type(record.time, 'number');
    t.equal(record.level, 30, 'info');
  }

  // A held request that ends in 503 is one record too, with its real duration.
  const down = await freePort();
  const proxy2 = await startProxy(t, ['--django-url', `http://127.0.0.1:${down}`, '--reflex-backend-url', reflex, '--reflex-frontend-url', frontend, '--hold-timeout', '300']);
  const res = await request(`${proxy2.url}/admin/held`, { timeoutMs: 5000 });
  t.equal(res.status, 503);
  const held = await proxy2.waitForLog((r) => r.msg === 'request completed' && r.path === '/admin/held', 5000);
  t.match(held, { method: 'GET', target: 'django', statusCode: 503 });
  t.ok((held.responseTime as number) >= 250, `responseTime covers the hold (${String(held.responseTime)})`);
  await sleep(200);
  t.equal(accessRecords(proxy2.logs(), 'request completed').length, 1, 'exactly one record for it');
});

t.test('JSON mode: one opened and one closed record per WebSocket', async (t) => {
  const [django, reflex, frontend] = [await upstream(t, 'django'), await upstream(t, 'reflex'), await upstream(t, 'frontend')];
  const proxy = await startProxy(t, ['--django-url', django, '--reflex-backend-url', reflex, '--reflex-frontend-url', frontend]);

  /** Opens a socket, sends `message`, reads welcome and echo, closes with `code` from the client. */
  async function session(path: string, message: string, code: number): Promise<void> {
    const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}${path}`);
    const received: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`${path}: no echo within 5 s`)), 5000);
      ws.on('message', (data: WebSocket.RawData) => {
        received.push(data.toString());
        if (received.length === 2) {
          clearTimeout(guard);
          resolve();
        }
      });
      ws.once('open', () => ws.send(message));
      ws.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => ws.once('close', (closeCode) => resolve(closeCode)));
    ws.close(code, 'bye');
    t.equal(await closed, code, `${path} closed with ${code}`);
  }

  const big = 'm'.repeat(5000);
  await session('/_event/?EIO=4&transport=websocket', big, 4001);
  await session('/hmr-socket', 'small', 1000);
  const closedRecords = async (): Promise<LogRecord[]> => {
    for (const deadline = Date.now() + 5000; Date.now() < deadline; await sleep(25)) {
      const found = accessRecords(proxy.logs(), 'websocket closed');
      if (found.length >= 2) return found;
    }
    return accessRecords(proxy.logs(), 'websocket closed');
  };
  const closed = await closedRecords();
  await sleep(200);
  const opened = accessRecords(proxy.logs(), 'websocket opened');
  t.equal(opened.length, 2, 'one opened record per WebSocket');
  t.equal(accessRecords(proxy.logs(), 'websocket closed').length, 2, 'one closed record per WebSocket');
  t.same(opened.map((r) => [r.path, r.target]), [['/_event/?EIO=4&transport=websocket', 'reflex'], ['/hmr-socket', 'frontend']]);
  for (const record of opened) {
    t.notOk('req' in record, 'the record names the handshake; the request object (its Cookie header included) is not logged');
    t.ok(JSON.stringify(record).length < 1000, `a short record: ${JSON.stringify(record).length} characters`);
  }

  const [first, second] = closed;
  t.match(first, { path: '/_event/?EIO=4&transport=websocket', target: 'reflex', closeCode: 4001, closedBy: 'client' });
  t.match(second, { path: '/hmr-socket', target: 'frontend', closeCode: 1000, closedBy: 'client' });
  for (const [record, sent, echoed] of [[first!, big.length, 'welcome from reflex'.length + big.length], [second!, 'small'.length, 'welcome from frontend'.length + 'small'.length]] as const) {
    // Client frames are masked (≥ 6 header bytes); the close frame carries its code and reason.
    t.ok((record.bytesIn as number) >= sent + 6 + 2 + 4 + 'bye'.length, `bytesIn ${String(record.bytesIn)} counts the client's frames`);
    t.ok((record.bytesOut as number) >= echoed + 2 * 2, `bytesOut ${String(record.bytesOut)} counts the upstream's frames`);
    t.ok((record.bytesIn as number) < sent + 200, 'and not much more');
    t.type(record.duration, 'number');
    t.ok((record.duration as number) >= 0);
  }
});

t.test('JSON mode: a handshake the proxy refuses is one record, and listed for verify', async (t) => {
  const [django, reflex, frontend] = [await upstream(t, 'django'), await upstream(t, 'reflex'), await upstream(t, 'frontend')];
  const proxy = await startProxy(t, ['--django-url', django, '--reflex-backend-url', reflex, '--reflex-frontend-url', frontend]);
  const refusedWith = (path: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}${path}`, { headers: { Cookie: 'sessionid=secret; csrftoken=x' } });
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      ws.once('open', () => reject(new Error(`${path} opened`)));
      ws.once('error', reject);
    });
  t.equal(await refusedWith('/__rdp/health'), 404, '/__rdp/ has no WebSocket endpoints');
  const record = await proxy.waitForLog((r) => r.kind === 'websocket-refused', 5000);
  t.match(record, { msg: 'websocket refused by proxy', refusedBy: 'proxy', path: '/__rdp/health', target: 'proxy', rule: 0, statusCode: 404 });
  t.type(record.responseTime, 'number');
  const listed = (await request(`${proxy.url}/__rdp/upgrades`, { timeoutMs: 5000 })).json<{ upgrades: unknown[] }>();
  t.match(listed.upgrades, [{ target: '/__rdp/health', upstream: 'proxy', status: 404, cookieNames: ['sessionid', 'csrftoken'] }], 'the handshake list reads the same record');
});

t.test('frames that arrive with the handshake are counted, and the close code is still read right', async (t) => {
  // A raw upstream: its 101 and the first bytes of a frame go out in one write (the proxy gets them
  // as the upgrade's head), the rest of the frame later, then a close frame with code 4003.
  const payload = Buffer.alloc(300, 'A');
  const frame = Buffer.concat([Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]), payload]);
  const closeFrame = Buffer.from([0x88, 2, 4003 >> 8, 4003 & 0xff]);
  const sockets = new Set<Socket>();
  const raw = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    let head = '';
    socket.on('data', function onData(chunk: Buffer) {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.removeListener('data', onData);
      socket.resume();
      const key = /sec-websocket-key: *(\S+)/i.exec(head)?.[1] ?? '';
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      const response = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
      socket.write(Buffer.concat([Buffer.from(response, 'latin1'), frame.subarray(0, 10)]));
      setTimeout(() => socket.write(frame.subarray(10)), 100);
      setTimeout(() => socket.write(closeFrame), 200);
      setTimeout(() => socket.end(), 400);
    });
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', () => resolve()));
  t.teardown(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => raw.close(() => resolve()));
  });
  const rawUrl = `http://127.0.0.1:${(raw.address() as { port: number }).port}`;
  const other = await upstream(t, 'other');
  const proxy = await startProxy(t, ['--django-url', other, '--reflex-backend-url', rawUrl, '--reflex-frontend-url', other]);

  const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/_event/`);
  const messages: string[] = [];
  ws.on('message', (data: WebSocket.RawData) => messages.push(data.toString()));
  ws.on('error', () => {});
  const code = await new Promise<number>((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error('no close within 5 s')), 5000);
    ws.once('close', (closeCode) => {
      clearTimeout(guard);
      resolve(closeCode);
    });
  });
  t.equal(code, 4003, 'the client saw the upstream close');
  t.same(messages, [payload.toString()], 'the split frame arrived whole');
  const record = await proxy.waitForLog((r) => r.msg === 'websocket closed', 5000);
  t.match(record, { path: '/_event/', target: 'reflex', closeCode: 4003, closedBy: 'upstream' });
  t.ok((record.bytesOut as number) >= frame.length + closeFrame.length, `bytesOut ${String(record.bytesOut)} includes the bytes that came with the 101`);
});

t.test('pretty mode: one human line per request', async (t) => {
  const [django, reflex, frontend] = [await upstream(t, 'django'), await upstream(t, 'reflex'), await upstream(t, 'frontend')];
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('RDP_') || key.startsWith('REFLEX_')) delete env[key];
  const proc = spawnManaged(
    'proxy-pretty',
    process.execPath,
    [CLI, '--port', '0', '--log-format', 'pretty', '--django-url', django, '--reflex-backend-url', reflex, '--reflex-frontend-url', frontend, '--django-prefix', '/admin'],
    { cwd: repoRoot, env, keepLines: 5000 },
  );
  stopOnTeardown(t, proc);
  const waitFor = async (pattern: RegExp, what: string): Promise<RegExpExecArray> => {
    for (const deadline = Date.now() + 10_000; ; await sleep(25)) {
      const match = pattern.exec(proc.output());
      if (match !== null) return match;
      if (proc.hasExited() || Date.now() > deadline) throw new Error(`no ${what} in the output:\n${proc.output()}`);
    }
  };
  const url = (await waitFor(/proxy listening on (http:\/\/127\.0\.0\.1:\d+) — open http:\/\/localhost:\d+/, 'listening line'))[1]!;

  t.equal((await request(`${url}/admin/pretty?q=1`, { timeoutMs: 5000 })).status, 200);
  const ws = new WebSocket(`${url.replace('http:', 'ws:')}/hmr-pretty`);
  await new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve());
    ws.once('error', reject);
  });
  ws.close(1000);
  await waitFor(/^.*websocket opened \/hmr-pretty → frontend.*$/m, 'websocket opened line');
  await waitFor(/^.*websocket closed \/hmr-pretty → frontend code=1000 by=client in=\d+B out=\d+B \d+ ms.*$/m, 'websocket closed line');
  t.equal((await request(`${url}/nowhere`, { method: 'PUT', body: '', timeoutMs: 5000 })).status, 405);
  const line = (await waitFor(/^.*GET \/admin\/pretty\?q=1 → django 200 [\d.]+ ms.*$/m, 'access line'))[0];
  t.match(line, /INFO/, `one line: ${line}`);
  const rejected = (await waitFor(/^.*PUT \/nowhere → proxy 405 [\d.]+ ms.*$/m, 'proxy access line'))[0];
  t.ok(rejected.length > 0);

  const lines = proc.output().split('\n').filter((l) => l.trim() !== '');
  t.notOk(lines.some((l) => l.trimStart().startsWith('{')), 'no JSON records');
  t.equal(lines.filter((l) => l.includes('/admin/pretty')).length, 1, 'the request is one line, not a record spread over several');
  t.notOk(lines.some((l) => /^\s+(method|statusCode|responseTime|kind|rule|closeCode):/.test(l)), 'access fields are not repeated below the line');
});
