// A download larger than every buffer between upstream and client, and a client that stops reading:
// the proxy makes the upstream wait (undici's pause / resume through the response's drain) instead
// of holding the body in memory, and every byte arrives in order.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, request } from 'node:http';
import t from 'tap';
import { freePort, sleep, startProxy } from './helpers/index.js';

const SIZE = 48 * 1024 * 1024;

t.test('a slow reader gets a large streamed body whole', async (t) => {
  const body = randomBytes(SIZE);
  const expected = createHash('sha256').update(body).digest('hex');
  let offset = 0;
  const upstream = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    offset = 0;
    const pump = (): void => {
      while (offset < SIZE) {
        const chunk = body.subarray(offset, offset + 1024 * 1024);
        offset += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    upstream.closeAllConnections();
    upstream.close();
  });
  const port = (upstream.address() as { port: number }).port;
  const unused = `http://127.0.0.1:${await freePort()}`;
  const proxy = await startProxy(t, ['--reflex-frontend-url', `http://127.0.0.1:${port}`, '--django-url', unused, '--reflex-backend-url', unused]);

  let sentWhileStalled = 0;
  const digest = await new Promise<{ hash: string; bytes: number }>((resolve, reject) => {
    request({ host: '127.0.0.1', port: proxy.port, path: '/big.bin', agent: false }, (res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      let stalled = false;
      res.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
        // After the first MiB, stop reading for a second: the buffers in between fill up, and the
        // upstream must be made to wait rather than the proxy holding the rest in memory.
        if (!stalled && bytes >= 1024 * 1024) {
          stalled = true;
          res.pause();
          void sleep(1_000).then(() => {
            sentWhileStalled = offset;
            res.resume();
          });
        }
      });
      res.on('end', () => resolve({ hash: hash.digest('hex'), bytes }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
  t.equal(digest.bytes, SIZE, 'every byte');
  t.equal(digest.hash, expected, 'in order');
  t.ok(sentWhileStalled < SIZE / 2, `the upstream waited while the client did not read (${(sentWhileStalled / 1048576).toFixed(1)} of ${SIZE / 1048576} MiB sent)`);
});
