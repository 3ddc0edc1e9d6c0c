// Holds many WebSockets open, for the memory benchmark: opens --connections sockets to --url (at
// most --parallel handshakes at a time), sends one --size-byte message on each and waits for its
// echo (so every relay has carried bytes both ways), then prints {"open":N,…} and holds them.
// A line "close" on stdin closes them all (a clean close handshake) and prints {"closed":N}.
//
// Flags: --url URL --connections N --parallel N --size BYTES
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { fail, parseFlags, report } from './lib/child.js';

const flags = parseFlags();
const total = Number(flags.connections ?? 1000);
const parallel = Number(flags.parallel ?? 100);
const message = 'x'.repeat(Number(flags.size ?? 64));
const sockets = [];
let failed = 0;

function openOne() {
  return new Promise((resolve) => {
    const ws = new WebSocket(flags.url, { perMessageDeflate: false });
    ws.once('open', () => ws.send(message));
    ws.once('message', () => {
      sockets.push(ws);
      resolve();
    });
    ws.once('error', () => {
      failed += 1;
      ws.terminate();
      resolve();
    });
  });
}

async function openAll() {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next += 1;
      await openOne();
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, total) }, worker));
}

function closeAll() {
  return Promise.all(
    sockets.map(
      (ws) =>
        new Promise((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', resolve);
          ws.close(1000);
        }),
    ),
  );
}

try {
  const started = Date.now();
  await openAll();
  report({ open: sockets.length, failed, openMs: Date.now() - started });
  // stdin is the parent's pipe: "close" closes the sockets; its end means the parent is gone.
  const lines = createInterface({ input: process.stdin });
  lines.on('line', async (line) => {
    if (line.trim() !== 'close') return;
    await closeAll();
    report({ closed: sockets.length });
  });
  lines.on('close', () => process.exit(0));
} catch (error) {
  fail(error);
}
