// Origin for the WebSocket benchmarks: a `ws` echo server accepting upgrades on any path (the
// proxy forwards /_event/?EIO=4&transport=websocket to it unchanged). Plain HTTP requests get 200
// so the proxy's upstream probe and any stray GET see a live server. With --push-ms N it also sends
// each connection "s:<seq>" every N ms (seq counts from 0 per connection), as a backend pushing
// state would: the soak benchmark checks those arrive once and in order.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { exitWithParent, parseFlags, report } from './lib/child.js';

exitWithParent();
const flags = parseFlags();

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
const pushMs = Number(flags['push-ms'] ?? 0);

wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => ws.terminate());
  if (pushMs > 0) {
    let seq = 0;
    const timer = setInterval(() => ws.send(`s:${seq++}`), pushMs);
    ws.on('close', () => clearInterval(timer));
  }
});

const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 3 }).end('ok\n');
});
server.on('upgrade', (req, socket, head) => {
  socket.on('error', () => socket.destroy());
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
});
server.listen(Number(flags.port ?? 0), flags.host ?? '127.0.0.1', () => {
  report({ ready: true, port: server.address().port });
});
