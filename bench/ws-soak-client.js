// The soak benchmark's client: --connections WebSockets through the proxy for --duration seconds,
// each sending "c:<seq>" every --interval ms (the origin echoes it) while the origin pushes its own
// "s:<seq>". A connection the origin drops (it is restarted meanwhile) is opened again after a
// short random pause. Checked per connection: echoes and pushes arrive as 0, 1, 2, … — a number
// seen twice, out of order, or skipped (lost mid-stream) is counted; a reconnect that does not end
// in a 101 is a failure. Prints one JSON line with the totals once every socket is closed.
//
// Flags: --url URL --connections N --duration S --interval MS
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { exitWithParent, fail, parseFlags, report } from './lib/child.js';

exitWithParent();
const flags = parseFlags();
const total = Number(flags.connections ?? 1000);
const durationMs = Number(flags.duration ?? 60) * 1000;
const intervalMs = Number(flags.interval ?? 500);
const RECONNECT_PAUSE_MS = 200;

const totals = {
  connections: total,
  opened: 0,
  reconnects: 0,
  failedHandshakes: 0,
  failures: {},
  sent: 0,
  echoes: 0,
  pushes: 0,
  /** A number at or below one already seen: delivered twice, or late (reordered). */
  duplicates: 0,
  /** A number above the next expected: an earlier one lost, or overtaken (reordered). */
  skipped: 0,
  closedByOrigin: 0,
  /** Handshakes still waiting when the run ended (closed by the client, not failed). */
  pendingAtEnd: 0,
  /** ms from opening a socket to its 101: median and max of every open. */
  openMsMedian: 0,
  openMsMax: 0,
};
const openTimes = [];
let running = true;

/** The next number expected on a stream; anything else is a duplicate, a reordering or a loss. */
function check(next, seen) {
  if (seen === next) return next + 1;
  if (seen < next) {
    totals.duplicates += 1;
    return next;
  }
  totals.skipped += 1;
  return seen + 1;
}

function connect(slot, isReconnect) {
  const ws = new WebSocket(flags.url, { perMessageDeflate: false });
  slot.ws = ws;
  let opened = false;
  let timer;
  let seq = 0;
  let nextEcho = 0;
  let nextPush = 0;
  const started = performance.now();
  if (isReconnect) totals.reconnects += 1;
  ws.on('open', () => {
    opened = true;
    totals.opened += 1;
    openTimes.push(performance.now() - started);
    timer = setInterval(() => {
      ws.send(`c:${seq++}`);
      totals.sent += 1;
    }, intervalMs);
  });
  ws.on('message', (data) => {
    const text = data.toString();
    const number = Number(text.slice(2));
    if (text.startsWith('c:')) {
      totals.echoes += 1;
      nextEcho = check(nextEcho, number);
    } else {
      totals.pushes += 1;
      nextPush = check(nextPush, number);
    }
  });
  ws.on('error', (error) => {
    if (opened || !running) return;
    totals.failedHandshakes += 1;
    const reason = /Unexpected server response: (\d+)/.exec(error.message)?.[1] ?? error.code ?? error.message;
    totals.failures[reason] = (totals.failures[reason] ?? 0) + 1;
  });
  ws.on('close', () => {
    clearInterval(timer);
    if (!running) {
      slot.closed();
      return;
    }
    if (opened) totals.closedByOrigin += 1;
    setTimeout(() => connect(slot, true), Math.random() * RECONNECT_PAUSE_MS);
  });
}

async function main() {
  const slots = Array.from({ length: total }, () => {
    const slot = { ws: undefined };
    slot.done = new Promise((resolve) => (slot.closed = resolve));
    return slot;
  });
  // Opened in batches, as tabs would be, not as one burst of a thousand handshakes.
  for (let i = 0; i < total; i += 100) {
    for (const slot of slots.slice(i, i + 100)) connect(slot, false);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  running = false;
  for (const slot of slots) {
    if (slot.ws.readyState === WebSocket.OPEN) slot.ws.close(1000);
    else if (slot.ws.readyState === WebSocket.CLOSED) slot.closed();
    else {
      if (slot.ws.readyState === WebSocket.CONNECTING) totals.pendingAtEnd += 1;
      slot.ws.terminate();
    }
  }
  openTimes.sort((a, b) => a - b);
  totals.openMsMedian = Math.round(openTimes[Math.floor(openTimes.length / 2)] ?? 0);
  totals.openMsMax = Math.round(openTimes.at(-1) ?? 0);
  await Promise.race([Promise.all(slots.map((slot) => slot.done)), new Promise((resolve) => setTimeout(resolve, 15_000))]);
  report(totals);
  process.exit(0);
}

main().catch(fail);
