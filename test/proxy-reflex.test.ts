// The Reflex backend behind the proxy, played by the python-socketio stand-in (docs/upstreams.md):
// Socket.IO over WebSocket through the proxy's port with the Reflex version as subprotocol, the
// Django session resolved from the handshake Cookie, uploads streamed both ways, and the
// backend's own refusal of long-polling.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import t from 'tap';
import {
  djangoAdminLogin,
  freePort,
  request,
  startDjango,
  startProxy,
  REFLEX_VERSION,
  reflexSocketWhoami,
  startReflexStandin,
} from './helpers/index.js';

const django = await startDjango(t);
const reflex = await startReflexStandin(t, { dbPath: django.dbPath });
const proxy = await startProxy(t, [
  '--django-url', django.url,
  '--reflex-backend-url', reflex.url,
  '--reflex-frontend-url', `http://127.0.0.1:${await freePort()}`,
]);
const proxyOrigin = `http://127.0.0.1:${proxy.port}`;

function whoami(headers: Record<string, string>) {
  return reflexSocketWhoami(proxy.url, headers);
}

t.test('Socket.IO through the proxy sees the Django session from the handshake cookie', async (t) => {
  const session = await djangoAdminLogin(proxy.url, { origin: proxyOrigin });

  const admin = await whoami({ Cookie: session.cookie, Origin: proxyOrigin, 'User-Agent': 'rdp-test/1' });
  t.equal(admin.protocol, REFLEX_VERSION, 'the Reflex version came back as the subprotocol');
  t.equal(admin.info.user, 'admin', 'the session of the login made through the proxy');
  t.same(admin.info.cookieNames, ['csrftoken', 'sessionid']);
  t.equal(admin.info.origin, proxyOrigin, 'the Origin the client sent');
  t.equal(admin.info.host, `127.0.0.1:${proxy.port}`, 'Host unchanged');
  t.equal(admin.info.xForwardedFor, '127.0.0.1', 'the client address');
  t.equal(admin.info.userAgent, 'rdp-test/1');

  const anonymous = await whoami({ Origin: proxyOrigin });
  t.equal(anonymous.info.user, null, 'no cookie, no user');
  t.same(anonymous.info.cookieNames, []);
  t.equal(anonymous.info.origin, proxyOrigin);

  const otherOrigin = await whoami({ Origin: 'http://localhost:9' });
  t.equal(otherOrigin.info.origin, 'http://localhost:9', 'whatever Origin is sent arrives as sent');
});

/** A multipart body like a browser's FormData upload: `files` parts of `size` random bytes each. */
function multipart(boundary: string, files: number, size: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < files; i++) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="file-${i}.bin"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      ),
      randomBytes(size),
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(parts);
}

function ndjson(text: string): Array<Record<string, unknown>> {
  return text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}

t.test('/_upload: a multipart body of several MiB streams through, NDJSON streams back', async (t) => {
  const boundary = '----rdpBoundary7MA4YWxkTrZu0gW';
  const body = multipart(boundary, 3, 2 * 1024 * 1024 + 17);
  const sha256 = createHash('sha256').update(body).digest('hex');
  const headers = {
    'Reflex-Client-Token': 'token-1',
    'Reflex-Event-Handler': 'state.handle_upload',
    'Content-Type': `multipart/form-data; boundary=${boundary}`,
  };

  const sized = await request(`${proxy.url}/_upload`, {
    method: 'POST',
    headers: { ...headers, 'Content-Length': String(body.length) },
    body,
  });
  t.equal(sized.status, 200);
  t.equal(sized.headers['content-type'], 'application/x-ndjson');
  t.same(ndjson(sized.text()), [{ received: body.length }, { bytes: body.length, sha256 }], 'every byte, in order');

  // Without Content-Length (a streamed fetch body): chunked on both legs.
  const chunks = [body.subarray(0, 1_000_000), body.subarray(1_000_000, 4_000_000), body.subarray(4_000_000)];
  const chunked = await request(`${proxy.url}/_upload`, {
    method: 'POST',
    headers: { ...headers, 'Transfer-Encoding': 'chunked' },
    body: Readable.from(chunks),
  });
  t.equal(chunked.status, 200);
  t.same(ndjson(chunked.text()).at(-1), { bytes: body.length, sha256 }, 'a chunked upload arrives whole too');

  const missing = await request(`${proxy.url}/_upload`, { method: 'POST', headers: { 'Content-Length': '1' }, body: 'x' });
  t.equal(missing.status, 400, "the stand-in's own refusal");
  t.equal(missing.text(), 'Missing reflex-client-token or reflex-event-handler header.');
});

t.test('long-polling gets the backend\'s own 400 through the proxy', async (t) => {
  const target = '/_event/?EIO=4&transport=polling';
  const direct = await request(`${reflex.url}${target}`);
  const proxied = await request(`${proxy.url}${target}`);
  t.equal(direct.status, 400);
  t.equal(proxied.status, 400, 'not a proxy error, not the frontend');
  t.equal(proxied.text(), direct.text(), "engine.io's own body");
  t.ok(proxied.text().length > 0);
});

t.test('the other reserved prefixes reach the backend', async (t) => {
  t.equal((await request(`${proxy.url}/ping`)).text(), '"pong"');
  t.same((await request(`${proxy.url}/_health`)).json(), { status: true });
});
