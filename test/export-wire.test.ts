// What crosses nginx and Caddy with the exported files, next to the proxy: a real Socket.IO
// connection to /_event (the python-socketio Reflex stand-in, websocket transport, namespace
// /_event, the Reflex version as subprotocol), an upload far over nginx's default 1 MiB body cap,
// Host kept with X-Forwarded-* set (a client's own dropped), and a Location naming an upstream's
// origin moved to the client's.
import t from 'tap';
import { exportConfig, startCaddy, startNginx } from './helpers/edge-servers.js';
import { freePort, REFLEX_VERSION, reflexSocketWhoami, request, startProxy, startReflexStandin, tempDir } from './helpers/index.js';
import { send, startRecorder } from './helpers/recorder.js';

const UPLOAD_BYTES = 5 * 1024 * 1024;
const dir = await tempDir(t, 'rdp-wire-');
const django = await startRecorder(t, 'django');
const frontend = await startRecorder(t, 'frontend');
const reflex = await startReflexStandin(t);
const settings = ['--django-url', django.url, '--reflex-backend-url', reflex.url, '--reflex-frontend-url', frontend.url];

const nginxPort = await freePort();
const nginx = await startNginx(t, await exportConfig('nginx', [...settings, '--port', String(nginxPort)], dir), nginxPort);
const caddyPort = await freePort();
const caddy = await startCaddy(t, await exportConfig('caddy', [...settings, '--port', String(caddyPort)], dir), caddyPort);
const proxy = await startProxy(t, settings);
const fronts = { proxy: proxy.port, nginx: nginx.port, caddy: caddy.port };

function whoami(port: number) {
  const origin = `http://127.0.0.1:${port}`;
  return reflexSocketWhoami(origin, { Origin: origin, Cookie: 'sessionid=abc; csrftoken=def' });
}

for (const [name, port] of Object.entries(fronts)) {
  t.test(`${name}: Socket.IO to /_event reaches the Reflex backend with Host, Origin and Cookie`, async (t) => {
    const { info, protocol } = await whoami(port);
    t.equal(protocol, REFLEX_VERSION, 'the subprotocol Reflex echoes comes back');
    t.equal(info.host, `127.0.0.1:${port}`, 'Host unchanged');
    t.equal(info.origin, `http://127.0.0.1:${port}`);
    t.same(info.cookieNames, ['csrftoken', 'sessionid']);
    t.equal(info.xForwardedFor, '127.0.0.1');
  });

  t.test(`${name}: a ${UPLOAD_BYTES / 1024 / 1024} MiB upload to /_upload is not capped`, async (t) => {
    const answer = await request(`http://127.0.0.1:${port}/_upload`, {
      method: 'POST',
      headers: { 'reflex-client-token': 'token', 'reflex-event-handler': 'state.upload', 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(UPLOAD_BYTES, 7),
    });
    t.equal(answer.status, 200, answer.text());
    const lines = answer.text().trim().split('\n').map((line) => JSON.parse(line) as { bytes?: number });
    t.equal(lines.at(-1)?.bytes, UPLOAD_BYTES);
  });

  t.test(`${name}: Host kept, X-Forwarded-* set and a client's own dropped`, async (t) => {
    const host = 'app.example:8443';
    const answer = await send(port, '/admin/', { headers: { host, 'x-forwarded-for': '10.9.9.9', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' } });
    const seen = JSON.parse(answer.body) as { headers: Record<string, string> };
    t.equal(seen.headers.host, host);
    t.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
    t.equal(seen.headers['x-forwarded-host'], host);
    t.equal(seen.headers['x-forwarded-proto'], 'http');
    t.equal(seen.headers['x-forwarded-port'], String(port));
  });

  t.test(`${name}: a Location naming the upstream's origin moves to the client's`, async (t) => {
    const answer = await send(port, '/admin/?rdp-location=1', { headers: { host: 'app.example:8443' } });
    t.equal(answer.status, 302);
    t.equal(answer.headers.location, 'http://app.example:8443/elsewhere');
  });
}

t.test('--trust-proxy: a client-sent X-Forwarded-* is kept, the client address appended', async (t) => {
  const trusted = [...settings, '--trust-proxy'];
  const trustDir = await tempDir(t, 'rdp-wire-trust-');
  const nginxTrustPort = await freePort();
  const caddyTrustPort = await freePort();
  const servers = {
    proxy: (await startProxy(t, trusted)).port,
    nginx: (await startNginx(t, await exportConfig('nginx', [...trusted, '--port', String(nginxTrustPort)], trustDir), nginxTrustPort)).port,
    caddy: (await startCaddy(t, await exportConfig('caddy', [...trusted, '--port', String(caddyTrustPort)], trustDir), caddyTrustPort)).port,
  };
  for (const [name, port] of Object.entries(servers)) {
    const answer = await send(port, '/admin/', {
      headers: { host: '127.0.0.1', 'x-forwarded-for': '10.9.9.9', 'x-forwarded-host': 'app.example', 'x-forwarded-proto': 'https' },
    });
    const seen = JSON.parse(answer.body) as { headers: Record<string, string> };
    t.equal(seen.headers['x-forwarded-for'], '10.9.9.9, 127.0.0.1', `${name}: appended`);
    t.equal(seen.headers['x-forwarded-host'], 'app.example', `${name}: host kept`);
    t.equal(seen.headers['x-forwarded-proto'], 'https', `${name}: proto kept`);
  }
});
