// The stand-in app's one page: its Socket.IO client (same origin, the /_event path under
// REFLEX_BACKEND_PATH, WebSocket only, a version offered as subprotocol — as Reflex's client does)
// shows who the Reflex backend thinks is logged in. Served by the frontend dev server, or by the
// backend itself in single-port mode (--env prod|preview).
const eventPath = `${(process.env.REFLEX_BACKEND_PATH ?? '').replace(/^\/*/, '/').replace(/\/+$/, '')}/_event`;

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Reflex stand-in</title>
<style>body{font:18px/1.5 system-ui,sans-serif;margin:3rem auto;max-width:40rem}code{background:#f4f4f4;padding:0 .3em}</style></head>
<body><h1 id="title">Reflex frontend (stand-in)</h1>
<p>The Reflex socket on this origin says you are: <strong id="user">connecting…</strong></p>
<p>Log in at <a href="/admin/">/admin/</a> (<code>admin</code> / <code>admin-pass-123</code>), then come back.</p>
<script src="${eventPath}/socket.io.js"></script>
<script>
  const socket = io('/_event', { path: '${eventPath}', transports: ['websocket'], protocols: ['0.0.0-standin'] });
  socket.on('hello', (facts) => {
    document.getElementById('user').textContent = facts.user ?? 'anonymous';
    document.body.dataset.ready = '1';
  });
  socket.on('connect_error', (error) => { document.getElementById('user').textContent = 'socket error: ' + error.message; });
</script></body></html>
`;

export function servePage(req, res) {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }).end(req.method === 'HEAD' ? undefined : PAGE);
}
