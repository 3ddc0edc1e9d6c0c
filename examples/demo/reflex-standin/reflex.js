#!/usr/bin/env node
// A STAND-IN for `reflex run` (real Reflex cannot be installed on every machine): it behaves as
// docs/upstreams.md describes — ports from its flags, .web/env.json from REFLEX_API_URL,
// "Backend running at:" printed before the backend is up, GET /ping, Socket.IO on /_event
// (WebSocket only, subprotocol echoed), /_upload, and a frontend dev server in the same process
// group that prints "App running at:". Its socket asks Django, through the proxy's public origin and
// with the handshake's cookie, who is logged in — the legacy reflex-django event bridge's question.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Server } from 'socket.io';

const [subcommand, ...rest] = process.argv.slice(2);
if (subcommand !== 'run') {
  process.stderr.write('usage: reflex run [--frontend-port F] [--backend-port B] [--backend-host H] [--backend-only]\n');
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

// Reflex bakes the API URL into the frontend at start: this is how the browser finds the proxy.
mkdirSync('.web', { recursive: true });
writeFileSync(join('.web', 'env.json'), JSON.stringify({ PING: `${apiUrl}/ping`, EVENT: `${apiUrl}/_event`, UPLOAD: `${apiUrl}/_upload`, HEALTH: `${apiUrl}/_health` }, null, 2));

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
  if (path.startsWith('/_event')) return; // socket.io's own
  if (path === '/ping') return void res.writeHead(200, { 'content-type': 'application/json' }).end('"pong"');
  if (path === '/_health') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":true}');
  if (path === '/_all_routes') return void res.writeHead(200, { 'content-type': 'application/json' }).end('["/"]');
  if (path === '/_upload' && req.method === 'POST') return void upload(req, res);
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
});
const io = new Server(backend, { path: '/_event', transports: ['websocket'], serveClient: true, cors: { origin: true, credentials: true } });
io.of('/_event').on('connection', async (socket) => {
  const headers = socket.handshake.headers;
  const facts = { user: await whoIs(headers.cookie), origin: headers.origin ?? null, cookieNames: (headers.cookie ?? '').split(';').map((part) => part.split('=')[0].trim()).filter(Boolean) };
  socket.emit('hello', facts);
  socket.on('whoami', (ack) => typeof ack === 'function' && ack(facts));
});

const startDelayMs = Number(process.env.STANDIN_BACKEND_DELAY_MS ?? 300);
setTimeout(() => backend.listen(backendPort, backendHost), startDelayMs);

if (!values['backend-only']) {
  // Like Reflex's Vite: a child in the same process group, on the next port when its own is busy.
  const frontend = spawn(process.execPath, [fileURLToPath(new URL('./frontend.js', import.meta.url)), String(values['frontend-port'])], { stdio: 'inherit' });
  frontend.on('exit', (code) => process.exit(code ?? 1));
}
