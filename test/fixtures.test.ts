// Proves the stand-ins behave like the real upstreams (see docs/upstreams.md) before any proxy
// test relies on them. No proxy here: every request goes straight to a fixture.
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import t from 'tap';
import WebSocket from 'ws';
import {
  djangoAdminLogin,
  groupAlive,
  headerLines,
  REFLEX_VERSION,
  reflexSocketWhoami,
  request,
  startDjango,
  startReflexStandin,
  startVite,
  viteHmrToken,
} from './helpers/index.js';

const started: number[] = [];

/** Opens a WebSocket and resolves the chosen subprotocol and the first message. */
function openWs(url: string, protocols: string[], origin?: string): Promise<{ protocol: string; first: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, origin ? { origin } : {});
    ws.once('message', (data) => {
      resolve({ protocol: ws.protocol, first: data.toString() });
      ws.close();
    });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

t.test('django', async (t) => {
  const django = await startDjango(t);
  started.push(django.pid);

  const login = await request(`${django.url}/admin/login/`);
  t.equal(login.status, 200, 'admin login page');
  t.equal((await request(`${django.url}/static/admin/css/base.css`)).status, 200, 'staticfiles served');

  const cookies = await request(`${django.url}/cookies/`);
  const lines = headerLines(cookies, 'set-cookie');
  t.equal(lines.length, 2, 'two Set-Cookie lines');
  t.match(lines[0], /^a=1; /);
  t.match(lines[1], /^b=2; /);

  t.equal((await request(`${django.url}/admin/login/`, { headers: { Host: 'evil.example' } })).status, 400,
    'foreign Host refused (ALLOWED_HOSTS empty)');

  const session = await djangoAdminLogin(django.url);
  t.ok(session.sessionid, 'admin login gives a sessionid');
  const who = await request(`${django.url}/whoami/`, { headers: { Cookie: session.cookie } });
  t.same(who.json(), { user: 'admin' }, '/whoami/ sees the session');

  const echo = await request(`${django.url}/echo/?x=1&y=%2F`, {
    method: 'POST',
    headers: { 'X-Hop-Test': 'yes', 'Content-Length': '5' },
    body: 'hello',
  });
  t.match(echo.json(), {
    method: 'POST',
    path: '/echo/?x=1&y=%2F',
    headers: { Host: `127.0.0.1:${django.port}`, 'X-Hop-Test': 'yes' },
    bodyLength: 5,
  });

  const redirect = await request(`${django.url}/redirect/`);
  t.equal(redirect.headers.location, `http://127.0.0.1:${django.port}/admin/`, 'absolute redirect to own origin');
  t.equal((await request(`${django.url}/redirect-relative/`)).headers.location, '/admin/');

  const upload = await request(`${django.url}/upload-count/`, {
    method: 'POST',
    headers: { 'Content-Length': String(3 * 1024 * 1024) },
    body: Buffer.alloc(3 * 1024 * 1024),
  });
  t.same(upload.json(), { bytes: 3 * 1024 * 1024 }, 'upload-count reads past DATA_UPLOAD_MAX_MEMORY_SIZE');

  // The first chunk must arrive while the view is still blocked before the last one.
  const body = await new Promise<string>((resolve, reject) => {
    httpRequest(`${django.url}/stream/?id=t1`, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (text === 'first\n') request(`${django.url}/stream/release/?id=t1`).catch(reject);
      });
      res.on('end', () => resolve(text));
    }).on('error', reject).end();
  });
  t.equal(body, 'first\nlast\n', 'stream released after the first chunk arrived');
});

t.test('django settings override', async (t) => {
  const django = await startDjango(t, { settings: { SESSION_COOKIE_NAME: 'othersession' } });
  started.push(django.pid);
  const page = await request(`${django.url}/admin/login/`);
  const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(page.text())?.[1] ?? '';
  const csrf = /csrftoken=([^;]+)/.exec(headerLines(page, 'set-cookie').join('\n'))?.[1] ?? '';
  const form = `csrfmiddlewaretoken=${token}&username=admin&password=admin-pass-123`;
  const res = await request(`${django.url}/admin/login/`, {
    method: 'POST',
    headers: {
      Cookie: `csrftoken=${csrf}`,
      Origin: django.url,
      'Content-Type': 'application/x-www-form-urlencoded',
      'Content-Length': String(form.length),
    },
    body: form,
  });
  t.equal(res.status, 302);
  t.match(headerLines(res, 'set-cookie').join('\n'), /othersession=/, 'RDP_FIXTURE_SETTINGS applied');
});

t.test('reflex stand-in resolves the Django session', async (t) => {
  const django = await startDjango(t);
  const reflex = await startReflexStandin(t, { dbPath: django.dbPath });
  started.push(django.pid, reflex.pid);
  const session = await djangoAdminLogin(django.url);

  const admin = await reflexSocketWhoami(reflex.url, { Cookie: session.cookie });
  t.equal(admin.info.user, 'admin', 'whoami reports the Django user');
  t.same(admin.info.cookieNames, ['csrftoken', 'sessionid'], 'cookie names only');
  t.equal(admin.info.host, `127.0.0.1:${reflex.port}`);
  t.same(admin.hello, admin.info, 'hello carries the same info');

  const anonymous = await reflexSocketWhoami(reflex.url);
  t.equal(anonymous.info.user, null, 'no cookie, no user');
});

t.test('reflex stand-in wire behaviour', async (t) => {
  const reflex = await startReflexStandin(t);
  started.push(reflex.pid);

  const ping = await request(`${reflex.url}/ping`);
  t.equal(ping.text(), '"pong"');
  t.same((await request(`${reflex.url}/_health`)).json(), { status: true });
  const allRoutes = await request(`${reflex.url}/_all_routes`);
  t.equal(allRoutes.status, 404, '/_all_routes only with REFLEX_ADD_ALL_ROUTES_ENDPOINT, as in Reflex');
  t.equal(allRoutes.text(), 'Not Found');
  t.equal((await request(`${reflex.url}/`)).status, 404, 'no pages from the backend in dev');
  const slashless = await request(`${reflex.url}/_event?EIO=4`);
  t.equal(slashless.status, 307, '/_event without the slash redirects');
  t.equal(slashless.headers.location, `http://127.0.0.1:${reflex.port}/_event/?EIO=4`);

  const ws = await openWs(`ws://127.0.0.1:${reflex.port}/_event/?EIO=4&transport=websocket`, [REFLEX_VERSION, 'x']);
  t.equal(ws.protocol, REFLEX_VERSION, 'first offered subprotocol echoed');
  t.match(ws.first, /^0\{"sid":/, 'engine.io open packet');

  const polling = await request(`${reflex.url}/_event/?EIO=4&transport=polling`);
  t.equal(polling.status, 400, 'polling refused');

  const missing = await request(`${reflex.url}/_upload`, { method: 'POST', body: 'x' });
  t.equal(missing.status, 400);
  t.equal(missing.text(), 'Missing reflex-client-token or reflex-event-handler header.');

  const payload = randomBytes(5 * 1024 * 1024);
  const upload = await request(`${reflex.url}/_upload`, {
    method: 'POST',
    headers: {
      'Reflex-Client-Token': 'token-1',
      'Reflex-Event-Handler': 'state.handle_upload',
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(payload.length),
    },
    body: payload,
  });
  t.equal(upload.status, 200);
  t.equal(upload.headers['content-type'], 'application/x-ndjson');
  const lines = upload.text().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  t.same(lines.at(-1), { bytes: payload.length, sha256: createHash('sha256').update(payload).digest('hex') });
});

t.test('reflex stand-in options: uploads off, /_all_routes on, a backend path, one port', async (t) => {
  const reflex = await startReflexStandin(t, { uploads: false, allRoutes: true, backendPath: '/x', singlePort: true });
  started.push(reflex.pid);
  const upload = await request(`${reflex.url}/x/_upload`, { method: 'POST', headers: { 'Reflex-Client-Token': 't', 'Reflex-Event-Handler': 'h' }, body: 'x' });
  t.equal(upload.status, 404, 'no rx.upload on any page: no /_upload route');
  t.equal(upload.text(), 'Not Found');
  t.same((await request(`${reflex.url}/x/_all_routes`)).json(), ['/', '/about']);
  t.equal((await request(`${reflex.url}/x/ping`)).text(), '"pong"', 'routes under the backend path');
  t.equal((await request(`${reflex.url}/x/_event`)).headers.location, `http://127.0.0.1:${reflex.port}/x/_event/`);
  const ws = await openWs(`ws://127.0.0.1:${reflex.port}/x/_event/?EIO=4&transport=websocket`, [REFLEX_VERSION]);
  t.match(ws.first, /^0\{"sid":/, 'engine.io under the backend path');
  const page = await request(`${reflex.url}/`);
  t.equal(page.status, 200, 'single port: the backend serves the pages');
  t.match(page.text(), 'Reflex app (stand-in, single port)');
  t.match((await request(`${reflex.url}/ping`)).text(), 'single port', '/ping outside the backend path is a page');
});

t.test('reflex stand-in origin allow-list', async (t) => {
  const reflex = await startReflexStandin(t, { allowedOrigins: ['http://good.test:1'] });
  started.push(reflex.pid);
  const url = `ws://127.0.0.1:${reflex.port}/_event/?EIO=4&transport=websocket`;
  const open = (origin: string) =>
    new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(url, [REFLEX_VERSION], { origin });
      ws.once('open', () => (ws.close(), resolve(101)));
      ws.once('unexpected-response', (req, res) => (req.destroy(), resolve(res.statusCode ?? 0)));
      ws.once('error', reject);
    });
  t.equal(await open('http://good.test:1'), 101, 'listed origin accepted');
  t.equal(await open('http://bad.test:1'), 403, 'other origin refused before 101');
});

t.test('vite frontend', async (t) => {
  const vite = await startVite(t);
  started.push(vite.pid);

  const page = await request(`${vite.url}/`);
  t.equal(page.status, 200);
  t.match(page.text(), '<h1 id="title">');

  // main.js must resolve socket.io-client from the repo's node_modules.
  const main = await request(`${vite.url}/main.js`);
  const dep = /from "([^"]*socket__io-client[^"]*)"/.exec(main.text())?.[1];
  t.ok(dep, 'socket.io-client import rewritten to a pre-bundled dep');
  if (dep) t.equal((await request(`${vite.url}${dep}`)).status, 200, 'pre-bundled dep served');

  // Vite checks the token only when an Origin header is present, as it is from every browser.
  const token = await viteHmrToken(vite.url);
  const hmr = await openWs(`ws://127.0.0.1:${vite.port}/?token=${token}`, ['vite-hmr'], vite.url);
  t.equal(hmr.protocol, 'vite-hmr');
  t.same(JSON.parse(hmr.first), { type: 'connected' });

  const refused = await new Promise<number>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${vite.port}/?token=wrong`, ['vite-hmr'], { origin: vite.url });
    ws.once('unexpected-response', (req, res) => (req.destroy(), resolve(res.statusCode ?? 0)));
    ws.once('open', () => (ws.close(), resolve(101)));
    ws.once('error', () => resolve(-1));
  });
  t.equal(refused, 400, 'a wrong token is refused when Origin is sent');
});

t.test('every started process group is gone', async (t) => {
  t.ok(started.length >= 6);
  for (const pid of started) t.notOk(groupAlive(pid), `group ${pid} stopped`);
});
