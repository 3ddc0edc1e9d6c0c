// A graceful stop: open WebSockets get close code 1001 (going away) on both sides, the listener
// closes, and the proxy exits 0.
import { createServer } from 'node:http';
import t from 'tap';
import WebSocket, { WebSocketServer } from 'ws';
import { freePort, startProxy } from './helpers/index.js';

t.test('SIGTERM closes relayed WebSockets with 1001 on both sides, then exits 0', async (t) => {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: true });
  const upstreamClose = new Promise<number>((resolve) => {
    wss.on('connection', (ws) => {
      ws.on('message', (data) => ws.send(data));
      ws.on('close', (code) => resolve(code));
    });
  });
  const http = createServer();
  http.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    wss.close();
    http.closeAllConnections();
    http.close();
  });
  const port = (http.address() as { port: number }).port;
  const unused = await freePort();
  const proxy = await startProxy(t, ['--reflex-backend-url', `http://127.0.0.1:${port}`, '--django-url', `http://127.0.0.1:${unused}`, '--reflex-frontend-url', `http://127.0.0.1:${unused}`]);

  const client = new WebSocket(`ws://127.0.0.1:${proxy.port}/_event/?EIO=4&transport=websocket`, { perMessageDeflate: true });
  await new Promise((resolve, reject) => {
    client.once('open', resolve);
    client.once('error', reject);
  });
  // A message both ways first: the close must land between frames, after real traffic.
  client.send('x'.repeat(10_000));
  await new Promise((resolve) => client.once('message', resolve));
  const clientClose = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));

  process.kill(proxy.pid, 'SIGTERM');
  t.equal(await clientClose, 1001, 'the client hears "going away"');
  t.equal(await upstreamClose, 1001, 'the upstream hears "going away"');
  const exit = await proxy.process.exited;
  t.equal(exit.code, 0, 'exit 0 after a graceful stop');
  const closed = proxy.logs().find((record) => record.msg === 'websocket closed');
  t.match(closed, { closeCode: 1001, closedBy: 'proxy' });
});
