// The stand-in's frontend dev server: one page whose Socket.IO client (same origin, path /_event,
// WebSocket only, a version offered as subprotocol — as Reflex's client does) shows who the
// Reflex backend thinks is logged in.
import { createServer } from 'node:http';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Reflex stand-in</title>
<style>body{font:18px/1.5 system-ui,sans-serif;margin:3rem auto;max-width:40rem}code{background:#f4f4f4;padding:0 .3em}</style></head>
<body><h1 id="title">Reflex frontend (stand-in)</h1>
<p>The Reflex socket on this origin says you are: <strong id="user">connecting…</strong></p>
<p>Log in at <a href="/admin/">/admin/</a> (<code>admin</code> / <code>admin-pass-123</code>), then come back.</p>
<script src="/_event/socket.io.js"></script>
<script>
  const socket = io('/_event', { path: '/_event', transports: ['websocket'], protocols: ['0.0.0-standin'] });
  socket.on('hello', (facts) => {
    document.getElementById('user').textContent = facts.user ?? 'anonymous';
    document.body.dataset.ready = '1';
  });
  socket.on('connect_error', (error) => { document.getElementById('user').textContent = 'socket error: ' + error.message; });
</script></body></html>
`;

const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }).end(req.method === 'HEAD' ? undefined : PAGE);
});

let port = Number(process.argv[2] ?? 3000);
server.on('error', (error) => {
  if (error.code !== 'EADDRINUSE') throw error;
  port += 1;
  server.listen(port, '127.0.0.1');
});
server.on('listening', () => console.log(`App running at: http://localhost:${port}/`));
server.listen(port, '127.0.0.1');
