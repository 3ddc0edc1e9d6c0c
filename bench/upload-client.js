// Upload client: streams BYTES of generated data (one random 256 KiB block, sent over and over,
// nothing read from disk) as a POST body, honouring backpressure, and reads the sink's answer.
//
// Flags: --url http://host:port/_upload --bytes N [--mode length|chunked] [--chunk BYTES]
// Prints one JSON line: bytes sent, bytes the sink reports, seconds, MB/s (10^6 bytes/s).
import { randomFillSync } from 'node:crypto';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { exitWithParent, fail, parseFlags, report } from './lib/child.js';

exitWithParent();
const flags = parseFlags();
const url = new URL(flags.url);
const total = Number(flags.bytes);
const mode = flags.mode ?? 'length';
const block = randomFillSync(Buffer.allocUnsafe(Number(flags.chunk ?? 256 * 1024)));
if (!Number.isSafeInteger(total) || total <= 0) fail(new Error(`--bytes must be a positive integer, got ${flags.bytes}`));

const headers = { 'Content-Type': 'application/octet-stream' };
if (mode === 'length') headers['Content-Length'] = String(total);
else headers['Transfer-Encoding'] = 'chunked';

const cpuStart = process.cpuUsage();
const start = performance.now();
let sent = 0;
const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', headers, agent: false });

req.on('error', fail);
req.on('response', (res) => {
  const parts = [];
  res.on('data', (chunk) => parts.push(chunk));
  res.on('end', () => {
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const text = Buffer.concat(parts).toString('utf8');
    let reported;
    try {
      reported = JSON.parse(text).bytes;
    } catch {
      reported = undefined;
    }
    report({
      url: url.href,
      mode,
      status: res.statusCode,
      bytesSent: sent,
      bytesReported: reported,
      verified: res.statusCode === 200 && reported === total && sent === total,
      seconds: Math.round(seconds * 1000) / 1000,
      mbPerSecond: Math.round((total / 1e6 / seconds) * 10) / 10,
      clientCpuPercent: Math.round(((cpu.user + cpu.system) / 1e3 / (seconds * 1000)) * 1000) / 10,
      answer: reported === undefined ? text.slice(0, 500) : undefined,
    });
    process.exit(0);
  });
});

function pump() {
  while (sent < total) {
    const n = Math.min(block.length, total - sent);
    const ok = req.write(n === block.length ? block : block.subarray(0, n));
    sent += n;
    if (!ok) {
      req.once('drain', pump);
      return;
    }
  }
  req.end();
}
pump();
