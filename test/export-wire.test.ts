// A real app through nginx, Caddy and HAProxy with the exported files, next to the proxy: a Django
// login made through the front, then a real Socket.IO connection to /_event (the python-socketio
// Reflex stand-in, websocket transport, namespace /_event, the Reflex version as subprotocol) that
// sees that session's user; Vite's HMR socket; and a 20 MiB upload streamed to /_upload.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import t from 'tap';
import { startFronts } from './helpers/edge-servers.js';
import { djangoAdminLogin, REFLEX_VERSION, reflexSocketWhoami, request, startDjango, startReflexStandin, startVite, viteHmr, viteHmrToken } from './helpers/index.js';

const UPLOAD_CHUNK = 1024 * 1024;
const UPLOAD_CHUNKS = 20;

const django = await startDjango(t);
const reflex = await startReflexStandin(t, { dbPath: django.dbPath });
const vite = await startVite(t);
const fronts = await startFronts(t, ['--django-url', django.url, '--reflex-backend-url', reflex.url, '--reflex-frontend-url', vite.url]);

for (const { name, port } of fronts) {
  const origin = `http://127.0.0.1:${port}`;

  t.test(`${name}: Socket.IO to /_event sees the Django user of a login made through it`, async (t) => {
    const session = await djangoAdminLogin(origin, { origin });
    const { info, protocol } = await reflexSocketWhoami(origin, { Origin: origin, Cookie: session.cookie });
    t.equal(protocol, REFLEX_VERSION, 'the subprotocol Reflex echoes comes back');
    t.equal(info.user, 'admin', 'the session user, resolved from the handshake cookie');
    t.equal(info.host, `127.0.0.1:${port}`, 'Host unchanged');
    t.equal(info.origin, origin);
    t.same(info.cookieNames, ['csrftoken', 'sessionid']);
    t.equal(info.xForwardedFor, '127.0.0.1');
    const anonymous = await reflexSocketWhoami(origin, { Origin: origin });
    t.equal(anonymous.info.user, null, 'no cookie, no user');
  });

  t.test(`${name}: Vite's HMR socket connects through it`, async (t) => {
    const token = await viteHmrToken(origin);
    t.same(await viteHmr(origin, token), { opened: true, protocol: 'vite-hmr', first: '{"type":"connected"}' });
    t.same(await viteHmr(origin, 'not-the-token'), { opened: false, status: 400 }, "Vite's own refusal comes back as it is");
  });

  t.test(`${name}: a ${UPLOAD_CHUNKS} MiB upload streams to /_upload, NDJSON streams back`, async (t) => {
    const chunks = Array.from({ length: UPLOAD_CHUNKS }, (_, index) => Buffer.alloc(UPLOAD_CHUNK, index));
    const sha256 = chunks.reduce((hash, chunk) => hash.update(chunk), createHash('sha256')).digest('hex');
    // No Content-Length: chunked all the way, as a browser's streamed fetch body would be.
    const answer = await request(`${origin}/_upload`, {
      method: 'POST',
      headers: { 'reflex-client-token': 'token', 'reflex-event-handler': 'state.upload', 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
      body: Readable.from(chunks),
    });
    t.equal(answer.status, 200, answer.text().slice(0, 200));
    t.equal(answer.headers['content-type'], 'application/x-ndjson');
    const lines = answer.text().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    t.same(lines, [{ received: UPLOAD_CHUNK * UPLOAD_CHUNKS }, { bytes: UPLOAD_CHUNK * UPLOAD_CHUNKS, sha256 }], 'every byte, in order');
  });
}
