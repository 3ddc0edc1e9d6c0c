// Origin for the upload benchmark: counts the bytes of every request body and answers
// {"bytes":N} once the body has ended. Never buffers: each chunk is counted and dropped.
import { createServer } from 'node:http';
import { exitWithParent, parseFlags, report } from './lib/child.js';

exitWithParent();
const flags = parseFlags();

const server = createServer({ requestTimeout: 0 }, (req, res) => {
  let bytes = 0;
  req.on('data', (chunk) => {
    bytes += chunk.length;
  });
  req.on('end', () => {
    const body = JSON.stringify({ bytes, method: req.method, path: req.url });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
  });
  req.on('error', () => res.destroy());
});
server.listen(Number(flags.port ?? 0), flags.host ?? '127.0.0.1', () => {
  report({ ready: true, port: server.address().port });
});
