// Origin for the HTTP and latency benchmarks: a bare Node `http` server answering every request
// with the same 100-byte body (keep-alive, Content-Length). Prints {"ready":true,"port":N}.
import { createServer } from 'node:http';
import { exitWithParent, parseFlags, report } from './lib/child.js';

exitWithParent();
const flags = parseFlags();
const body = Buffer.from(`${'reflex-django-proxy benchmark origin '.repeat(3)}`.slice(0, 99) + '\n');

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  // Drain any request body so the connection stays usable.
  req.resume();
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
  res.end(body);
});
server.listen(Number(flags.port ?? 0), flags.host ?? '127.0.0.1', () => {
  report({ ready: true, port: server.address().port, bodyBytes: body.length });
});
