// Open-loop latency client: requests leave on a fixed clock (request k is due at start + k/rate)
// over pools of keep-alive connections, and each latency is measured from the request's DUE time,
// not from when it was actually written. A stall anywhere (client, proxy, origin) therefore shows
// up in every request that should have been sent during it, instead of being hidden by a client
// that politely waits (coordinated omission). A request due while every connection of its pool is
// busy waits in a FIFO queue; that wait is part of its latency too.
//
// Two targets (direct and proxy) are measured in the same run, alternating every --slice seconds
// (A B A B …, each slice at the full rate), so noise lasting longer than a slice hits both alike.
// Each target has its own pool. The first --warmup seconds of each target are not recorded.
//
// HTTP/1.1 is spoken by hand over net sockets: a few lines of parsing cost far less than Node's
// http client, so the client adds little jitter of its own.
//
// Flags: --targets NAME=URL,NAME=URL --rate N --duration S (per target) --warmup S (per target)
//        --slice S --connections N (per target)
// Prints one JSON line: per target, counts, summaries and the measured samples (ms from due time).
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { exitWithParent, fail, parseFlags, report } from './lib/child.js';
import { summarize } from './lib/stats.js';

exitWithParent();
const flags = parseFlags();
const rate = Number(flags.rate ?? 1000);
const durationS = Number(flags.duration ?? 10);
const warmupS = Number(flags.warmup ?? 2);
const sliceS = Number(flags.slice ?? 1);
const poolSize = Number(flags.connections ?? 32);
const drainTimeoutMs = Number(flags['drain-timeout-ms'] ?? 5000);

const intervalMs = 1000 / rate;
const perSlice = Math.round(sliceS * rate);
const warmupSlices = Math.ceil(warmupS / sliceS);
const measureSlices = Math.ceil(durationS / sliceS);

const targets = flags.targets.split(',').map((spec) => {
  const eq = spec.indexOf('=');
  const url = new URL(spec.slice(eq + 1));
  return {
    name: spec.slice(0, eq),
    url,
    requestBytes: Buffer.from(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUser-Agent: rdp-bench-latency\r\nAccept: */*\r\n\r\n`, 'latin1'),
    pool: [],
    idle: [],
    pending: [],
    // Per measured request: latency from due time, service time from the actual write, send lag.
    latency: new Float64Array(measureSlices * perSlice).fill(NaN),
    service: new Float64Array(measureSlices * perSlice).fill(NaN),
    lag: new Float64Array(measureSlices * perSlice).fill(NaN),
    measured: 0,
    completed: 0,
    errors: 0,
    non2xx: 0,
    reconnects: 0,
  };
});
const totalSlices = (warmupSlices + measureSlices) * targets.length;
const total = totalSlices * perSlice;

/** Length of the first complete response in buf, with its status; undefined while incomplete. */
function completeResponse(buf) {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const head = buf.toString('latin1', 0, headEnd);
  const status = Number(head.slice(9, 12));
  const bodyStart = headEnd + 4;
  const contentLength = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
  if (contentLength !== null) {
    const end = bodyStart + Number(contentLength[1]);
    return buf.length >= end ? { end, status } : undefined;
  }
  if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) {
    let at = bodyStart;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', at);
      if (lineEnd < 0) return undefined;
      const size = parseInt(buf.toString('latin1', at, lineEnd), 16);
      if (size === 0) {
        const end = buf.indexOf('\r\n\r\n', lineEnd);
        return end < 0 ? undefined : { end: end + 4, status };
      }
      at = lineEnd + 2 + size + 2;
      if (at > buf.length) return undefined;
    }
  }
  return { end: bodyStart, status };
}

let stopping = false;

function record(target, job, status, now) {
  if (status < 200 || status > 299) target.non2xx += 1;
  if (job.slot >= 0) {
    target.latency[job.slot] = now - job.due;
    target.service[job.slot] = now - job.sent;
    target.lag[job.slot] = job.sent - job.due;
  }
  target.completed += 1;
}

function openConnection(target, slot) {
  const conn = { target, slot, socket: undefined, buf: Buffer.alloc(0), job: undefined, ready: undefined };
  conn.ready = new Promise((resolve, reject) => {
    const socket = connect({ host: target.url.hostname, port: Number(target.url.port || 80), noDelay: true });
    conn.socket = socket;
    socket.setKeepAlive(true);
    socket.once('connect', () => resolve(conn));
    socket.on('data', (chunk) => {
      conn.buf = conn.buf.length === 0 ? chunk : Buffer.concat([conn.buf, chunk]);
      for (;;) {
        if (conn.job === undefined) {
          if (conn.buf.length > 0) fail(new Error(`${target.name}: unexpected ${conn.buf.length} bytes on an idle connection`));
          return;
        }
        const response = completeResponse(conn.buf);
        if (response === undefined) return;
        const now = performance.now();
        conn.buf = conn.buf.subarray(response.end);
        const job = conn.job;
        conn.job = undefined;
        record(target, job, response.status, now);
        release(conn);
      }
    });
    socket.on('error', (error) => {
      if (socket.connecting) reject(error);
    });
    socket.on('close', () => {
      // A dropped connection: its request failed; replace it for the requests still to come.
      if (conn.job !== undefined) {
        target.errors += 1;
        target.completed += 1;
        conn.job = undefined;
      }
      const at = target.idle.indexOf(conn);
      if (at >= 0) target.idle.splice(at, 1);
      if (stopping) return;
      target.reconnects += 1;
      const replacement = openConnection(target, slot);
      target.pool[slot] = replacement;
      replacement.ready.then(release, () => {});
    });
  });
  return conn;
}

function send(conn, job) {
  job.sent = performance.now();
  conn.job = job;
  conn.socket.write(conn.target.requestBytes);
}

function release(conn) {
  const next = conn.target.pending.shift();
  if (next !== undefined) send(conn, next);
  else conn.target.idle.push(conn);
}

/**
 * The clock. libuv timers have 1 ms resolution, which alone would add a uniform 0–1 ms to every
 * latency measured from the due time; a worker thread sleeping with Atomics.wait (futex, sub-ms)
 * wakes this thread through postMessage at each due time instead, within tens of microseconds.
 * It sleeps between ticks, so it costs little CPU.
 */
function startTicker(startEpochMs, interval, count) {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { startEpochMs, interval, count } = workerData;
    const cell = new Int32Array(new SharedArrayBuffer(4));
    const now = () => performance.timeOrigin + performance.now();
    for (let k = 0; k < count; k += 1) {
      const wait = startEpochMs + k * interval - now();
      if (wait > 0) Atomics.wait(cell, 0, 0, wait);
      parentPort.postMessage(k);
    }
  `;
  return new Worker(source, { eval: true, workerData: { startEpochMs, interval, count } });
}

/** Which target request k goes to, and where its sample goes (-1: warm-up, not recorded). */
function plan(k) {
  const slice = Math.floor(k / perSlice);
  const target = targets[slice % targets.length];
  const round = Math.floor(slice / targets.length); // the target's own slice number
  const slot = round < warmupSlices ? -1 : (round - warmupSlices) * perSlice + (k % perSlice);
  return { target, slot };
}

async function main() {
  for (const target of targets) {
    for (let slot = 0; slot < poolSize; slot += 1) target.pool.push(openConnection(target, slot));
    await Promise.all(target.pool.map((conn) => conn.ready));
    target.idle.push(...target.pool);
  }

  const cpuStart = process.cpuUsage();
  const start = performance.now() + 20;
  let next = 0;
  await new Promise((resolve) => {
    const ticker = startTicker(performance.timeOrigin + start, intervalMs, total);
    // The worker's tick k means request k is due (its clock and ours may differ by microseconds;
    // going by k keeps that from ever delaying a request by a whole tick).
    ticker.on('message', (k) => {
      while (next < total && next <= k) {
        const { target, slot } = plan(next);
        const job = { slot, due: start + next * intervalMs, sent: 0 };
        next += 1;
        const conn = target.idle.shift();
        if (conn !== undefined) send(conn, job);
        else target.pending.push(job);
      }
      if (next >= total) {
        void ticker.terminate();
        resolve();
      }
    });
    ticker.on('error', fail);
  });
  const sendSeconds = (performance.now() - start) / 1000;
  const deadline = performance.now() + drainTimeoutMs;
  const done = () => targets.every((t) => t.completed >= total / targets.length);
  while (!done() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const cpu = process.cpuUsage(cpuStart);
  const wallS = (performance.now() - start) / 1000;
  stopping = true;
  for (const target of targets) for (const conn of target.pool) conn.socket.destroy();

  const finite = (values) => Array.from(values, (v) => (Number.isNaN(v) ? Infinity : v));
  report({
    rate,
    sliceSeconds: sliceS,
    connectionsPerTarget: poolSize,
    scheduleRate: Math.round((total / sendSeconds) * 10) / 10,
    clientCpuPercent: Math.round(((cpu.user + cpu.system) / 1e3 / (wallS * 1000)) * 1000) / 10,
    targets: Object.fromEntries(
      targets.map((t) => [
        t.name,
        {
          url: t.url.href,
          measuredRequests: t.latency.length,
          errors: t.errors,
          non2xx: t.non2xx,
          unanswered: total / targets.length - t.completed,
          reconnects: t.reconnects,
          latencyMs: summarize(finite(t.latency)),
          serviceMs: summarize(finite(t.service)),
          sendLagMs: summarize(finite(t.lag)),
          // Unanswered requests are null here (JSON has no Infinity): count them as infinitely slow.
          samples: Array.from(t.latency, (v) => (Number.isNaN(v) ? null : Math.round(v * 1000) / 1000)),
        },
      ]),
    ),
  });
  process.exit(0);
}

main().catch(fail);
