// WebSocket ping-pong client: for each target, N connections each sending a 64-byte text message,
// waiting for its echo, and sending again. Two targets (direct and proxy) are measured in the same
// run, alternating every --slice seconds (only one target's connections are active at a time), so
// noise lasting longer than a slice hits both alike. The first --warmup seconds of each target
// (also in alternating slices) are not counted.
//
// Flags: --targets NAME=URL,NAME=URL --connections N (per target) --duration S (per target)
//        --warmup S (per target) --slice S --size BYTES
// Prints one JSON line: per target, echoes counted, measured seconds, messages/s.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { exitWithParent, fail, parseFlags, report } from './lib/child.js';

exitWithParent();
const flags = parseFlags();
const connections = Number(flags.connections ?? 1);
const durationS = Number(flags.duration ?? 8);
const warmupS = Number(flags.warmup ?? 1);
const sliceS = Number(flags.slice ?? 1);
const size = Number(flags.size ?? 64);
const message = 'x'.repeat(size);

const targets = flags.targets.split(',').map((spec) => {
  const eq = spec.indexOf('=');
  return { name: spec.slice(0, eq), url: spec.slice(eq + 1), conns: [], active: false, measuring: false, inFlight: 0, echoes: 0, seconds: 0, badEchoes: 0, perConnection: [] };
});
let running = true;

function open(target) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(target.url, { perMessageDeflate: false });
    const conn = { ws, echoes: 0 };
    ws.once('open', () => resolve(conn));
    ws.once('error', reject);
    ws.on('message', (data) => {
      target.inFlight -= 1;
      if (data.length !== size) target.badEchoes += 1;
      if (target.measuring) conn.echoes += 1;
      if (target.active) {
        target.inFlight += 1;
        ws.send(message);
      }
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One slice of one target: all its connections ping-pong for `seconds`, then drain. */
async function slice(target, seconds, measured) {
  const before = target.conns.map((conn) => conn.echoes);
  target.active = true;
  target.measuring = measured;
  const started = performance.now();
  for (const conn of target.conns) {
    target.inFlight += 1;
    conn.ws.send(message);
  }
  await sleep(seconds * 1000);
  target.active = false;
  target.measuring = false;
  const elapsed = (performance.now() - started) / 1000;
  if (measured) {
    target.seconds += elapsed;
    target.conns.forEach((conn, i) => {
      target.perConnection[i] = (target.perConnection[i] ?? 0) + conn.echoes - before[i];
    });
  }
  // The last echo of each connection may still be on its way: let it land before the other
  // target starts, so the two never overlap.
  const deadline = performance.now() + 2_000;
  while (target.inFlight > 0 && performance.now() < deadline) await sleep(1);
}

async function main() {
  for (const target of targets) {
    target.conns = await Promise.all(Array.from({ length: connections }, () => open(target)));
    for (const conn of target.conns) {
      conn.ws.on('error', (error) => fail(error));
      conn.ws.on('close', (code) => {
        if (running) fail(new Error(`${target.name}: connection closed during the run (code ${code})`));
      });
    }
  }
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  const warmupSlices = Math.ceil(warmupS / sliceS);
  const measureSlices = Math.ceil(durationS / sliceS);
  for (let round = 0; round < warmupSlices + measureSlices; round += 1) {
    for (const target of targets) await slice(target, Math.min(sliceS, round < warmupSlices ? warmupS : durationS), round >= warmupSlices);
  }
  const cpu = process.cpuUsage(cpuStart);
  const wall = (performance.now() - started) / 1000;
  running = false;
  report({
    connections,
    size,
    sliceSeconds: sliceS,
    clientCpuPercent: Math.round(((cpu.user + cpu.system) / 1e3 / (wall * 1000)) * 1000) / 10,
    targets: Object.fromEntries(
      targets.map((t) => {
        t.echoes = t.conns.reduce((sum, conn) => sum + conn.echoes, 0);
        const perConnection = t.perConnection.map((n) => n / t.seconds);
        return [
          t.name,
          {
            url: t.url,
            echoes: t.echoes,
            seconds: Math.round(t.seconds * 1000) / 1000,
            messagesPerSecond: Math.round((t.echoes / t.seconds) * 10) / 10,
            perConnectionMin: Math.round(Math.min(...perConnection)),
            perConnectionMax: Math.round(Math.max(...perConnection)),
            badEchoes: t.badEchoes,
          },
        ];
      }),
    ),
  });
  for (const target of targets) for (const conn of target.conns) conn.ws.terminate();
  process.exit(0);
}

main().catch(fail);
