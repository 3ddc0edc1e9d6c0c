#!/usr/bin/env node
// A STAND-IN for `reflex run` (real Reflex cannot be installed on every machine): it behaves as
// docs/upstreams.md describes — ports from its flags, .web/env.json from REFLEX_API_URL and
// REFLEX_BACKEND_PATH, "Backend running at:" printed before the backend is up, GET /ping, Socket.IO
// on /_event (WebSocket only, subprotocol echoed; /_event without the slash is a 307), /_upload,
// every route under REFLEX_BACKEND_PATH, and a frontend dev server in the same process group that
// prints "App running at:" — or, with --env prod|preview, the pages on the backend's one port. Its
// socket asks Django, through the proxy's public origin and with the handshake's cookie, who is
// logged in — the legacy reflex-django event bridge's question.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { servePage } from './page.js';
import { parseArgs } from 'node:util';
import { Server } from 'socket.io';

const [subcommand, ...rest] = process.argv.slice(2);
if (subcommand !== 'run') {
  process.stderr.write('usage: reflex run [--frontend-port F] [--backend-port B] [--backend-host H] [--backend-only] [--env dev|prod|preview]\n');
  process.exit(2);
}
const { values } = parseArgs({
  args: rest,
  options: {
    'frontend-port': { type: 'string', default: '3000' },
    'backend-port': { type: 'string', default: '8000' },
    'backend-host': { type: 'string', default: '0.0.0.0' },
    'backend-only': { type: 'boolean', default: false },
    env: { type: 'string', default: 'dev' },
    loglevel: { type: 'string', default: 'info' },
  },
  strict: false,
});
const backendPort = Number(values['backend-port']);
const backendHost = String(values['backend-host']);
const apiUrl = (process.env.REFLEX_API_URL || process.env.API_URL || `http://localhost:${backendPort}`).replace(/\/$/, '');
const version = '0.0.0-standin';
const backendPath = (process.env.REFLEX_BACKEND_PATH ?? '').replace(/^\/*/, '/').replace(/\/+$/, '');
// Reflex 0.9: prod is always one port, and preview (0.9.8) too: no frontend dev server.
const singlePort = values.env === 'prod' || values.env === 'preview';

// Reflex bakes the API URL and backend path into the frontend at start: this is how the browser
// finds the proxy.
const base = `${apiUrl}${backendPath}`;
mkdirSync('.web', { recursive: true });
writeFileSync(
  join('.web', 'env.json'),
  JSON.stringify(
    {
      PING: `${base}/ping`,
      EVENT: `${base.replace(/^http/, 'ws')}/_event`,
      UPLOAD: `${base}/_upload`,
      AUTH_CODESPACE: `${base}/auth-codespace`,
      HEALTH: `${base}/_health`,
      ALL_ROUTES: `${base}/_all_routes`,
      TRANSPORT: 'websocket',
      TEST_MODE: false,
    },
    null,
    2,
  ),
);

console.log(`Starting Reflex App (stand-in ${version})`);
console.log(`Backend running at: http://${backendHost}:${backendPort}`);

async function whoIs(cookie) {
  if (!cookie) return null;
  try {
    const answer = await fetch(`${apiUrl}/whoami/`, { headers: { cookie, accept: 'application/json' } });
    return answer.ok ? ((await answer.json()).user ?? null) : null;
  } catch (error) {
    console.log(`whoami failed: ${error.message}`);
    return null;
  }
}

function upload(req, res) {
  if (!req.headers['reflex-client-token'] || !req.headers['reflex-event-handler']) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('Missing reflex-client-token or reflex-event-handler header.');
    return;
  }
  const hash = createHash('sha256');
  let bytes = 0;
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  req.on('data', (chunk) => {
    bytes += chunk.length;
    hash.update(chunk);
  });
  req.on('end', () => res.end(`${JSON.stringify({ bytes, sha256: hash.digest('hex') })}\n`));
}

const backend = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  const route = path.startsWith(`${backendPath}/`) ? path.slice(backendPath.length) : undefined;
  if (route === '/_event') return void res.writeHead(307, { location: `http://${req.headers.host}${path}/` }).end();
  if (route?.startsWith('/_event/')) return; // socket.io's own
  if (route === '/ping') return void res.writeHead(200, { 'content-type': 'application/json' }).end('"pong"');
  if (route === '/_health') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":true}');
  if (route === '/_upload' && req.method === 'POST') return void upload(req, res);
  if (singlePort && (req.method === 'GET' || req.method === 'HEAD')) return void servePage(req, res);
  res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
});
const io = new Server(backend, { path: `${backendPath}/_event`, transports: ['websocket'], serveClient: true, cors: { origin: true, credentials: true } });
io.of('/_event').on('connection', (socket) => {
  const headers = socket.handshake.headers;
  const cookieNames = (headers.cookie ?? '').split(';').map((part) => part.split('=')[0].trim()).filter(Boolean);
  // Asked at once, answered when Django has: a whoami sent right after connecting is not lost.
  const facts = whoIs(headers.cookie).then((user) => ({ user, origin: headers.origin ?? null, cookieNames }));
  socket.on('whoami', (ack) => typeof ack === 'function' && void facts.then(ack));
  void facts.then((known) => socket.emit('hello', known));
});

const startDelayMs = Number(process.env.STANDIN_BACKEND_DELAY_MS ?? 300);
setTimeout(() => backend.listen(backendPort, backendHost), startDelayMs);

if (!values['backend-only'] && !singlePort) {
  // Like Reflex's Vite: a child in the same process group, on the next port when its own is busy.
  const frontend = spawn(process.execPath, [fileURLToPath(new URL('./frontend.js', import.meta.url)), String(values['frontend-port'])], { stdio: 'inherit' });
  frontend.on('exit', (code) => process.exit(code ?? 1));
}
