// 5. Memory per proxied WebSocket, and what is left after they close. A fresh proxy per level: its
//    RSS once warm (one socket opened and closed), then with N sockets open through it (each has
//    carried one echo both ways) right after they opened and once the proxy has been idle a while
//    (its idle collector runs 10 s after the last socket came or went, and again 6 s later), then
//    `afterClose` seconds after all of them closed. The origin (a `ws` echo server) and the client
//    holding the sockets run in their own processes, each with its soft limit on open files raised:
//    a proxied socket is two descriptors in the proxy.
import { join } from 'node:path';
import { procStatus, socketCount, spawnTracked, stop, waitForJsonLine } from '../lib/procs.js';
import { BENCH_DIR, hardFileLimit, startProxy, startScript, withFileLimit } from '../lib/services.js';

const PATH = '/_event/?EIO=4&transport=websocket';
/** Descriptors beyond the sockets: the binary, libraries, pipes, epoll, the listening socket. */
const SPARE_FDS = 512;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** RSS in KiB: the median of `samples` readings `everyMs` apart (GC makes single readings jumpy). */
async function settledRss(pid, samples = 5, everyMs = 1000) {
  const readings = [];
  for (let i = 0; i < samples; i += 1) {
    if (i > 0) await sleep(everyMs);
    readings.push(procStatus(pid).vmRssKb);
  }
  readings.sort((a, b) => a - b);
  return readings[Math.floor(readings.length / 2)];
}

/** The hold client: resolves once it holds the sockets; `close()` closes them and waits. */
async function holdSockets(url, connections, nofile) {
  const args = [join(BENCH_DIR, 'ws-hold-client.js'), '--url', url, '--connections', String(connections), '--parallel', '100'];
  const proc = spawnTracked('ws-hold-client', ...withFileLimit(nofile, process.execPath, args));
  const opened = await waitForJsonLine(proc, (line) => line.open !== undefined, 120_000);
  return {
    opened,
    async close() {
      const closed = waitForJsonLine(proc, (line) => line.closed !== undefined, 60_000);
      proc.child.stdin.write('close\n');
      await closed;
      await stop(proc);
    },
    stop: () => stop(proc),
  };
}

async function measureLevel(connections, opts, log) {
  const nofile = 2 * connections + SPARE_FDS;
  const origin = await startScript('origin-ws', 'origin-ws.js', [], { nofile });
  let proxy;
  try {
    proxy = await startProxy({ upstream: origin.url, logLevel: opts.logLevel, bin: opts.proxyBin, nodeArgs: opts.proxyNodeArgs(`ws-memory-${connections}`), nofile });
    const url = `ws://127.0.0.1:${proxy.port}${PATH}`;
    const warm = await holdSockets(url, 1, nofile);
    await warm.close();
    await sleep(2_000);
    const socketsBefore = socketCount(proxy.pid);
    const before = await settledRss(proxy.pid);

    const held = await holdSockets(url, connections, nofile);
    let burst;
    let open;
    let socketsOpen;
    try {
      if (held.opened.failed > 0) throw new Error(`${held.opened.failed} of ${connections} WebSockets failed to open`);
      burst = procStatus(proxy.pid).vmRssKb;
      await sleep(opts.wsMemory.settleMs);
      open = await settledRss(proxy.pid);
      socketsOpen = socketCount(proxy.pid);
      await held.close();
    } finally {
      await held.stop();
    }
    await sleep(opts.wsMemory.afterCloseMs);
    const after = await settledRss(proxy.pid);
    const socketsAfter = socketCount(proxy.pid);
    const perSocketKib = (open - before) / connections;
    const burstPerSocketKib = (burst - before) / connections;
    log(
      `ws-memory ${connections}: RSS ${(before / 1024).toFixed(1)} MiB before, ${(burst / 1024).toFixed(1)} MiB as they opened (${burstPerSocketKib.toFixed(1)} KiB/socket), ` +
        `${(open / 1024).toFixed(1)} MiB open and idle (${perSocketKib.toFixed(1)} KiB/socket), ` +
        `${(after / 1024).toFixed(1)} MiB ${opts.wsMemory.afterCloseMs / 1000} s after close (${Math.round((after / before) * 100)}%); ` +
        `proxy sockets ${socketsBefore} → ${socketsOpen} → ${socketsAfter}; opened in ${held.opened.openMs} ms`,
    );
    return { connections, before, burst, open, after, perSocketKib, burstPerSocketKib, socketsBefore, socketsOpen, socketsAfter, openMs: held.opened.openMs };
  } finally {
    await proxy?.stop();
    await origin.stop();
  }
}

export async function run(opts, log) {
  const settings = opts.wsMemory;
  const hard = hardFileLimit();
  const rows = [];
  const notes = [];
  const details = { levels: {} };
  for (const connections of settings.connections) {
    const needed = 2 * connections + SPARE_FDS;
    if (needed > hard) {
      rows.push({ bench: 'ws-memory', figure: `KiB per WebSocket, ${connections} open`, status: 'SKIP', note: `needs ${needed} open files; the hard limit is ${hard} (raise it: ulimit -Hn, or LimitNOFILE=)` });
      continue;
    }
    const level = await measureLevel(connections, opts, log);
    details.levels[connections] = level;
    const halfOpen = level.socketsAfter - level.socketsBefore;
    rows.push({ bench: 'ws-memory', figure: `KiB of proxy RSS per WebSocket, ${connections} just opened`, unit: 'KiB', proxy: level.burstPerSocketKib, target: { kind: 'none' } });
    rows.push({
      bench: 'ws-memory',
      figure: `KiB of proxy RSS per WebSocket, ${connections} open, idle`,
      unit: 'KiB',
      proxy: level.perSocketKib,
      target: { kind: 'max', value: 24 },
      errors: level.socketsOpen - level.socketsBefore === 2 * connections ? 0 : 1,
    });
    rows.push({
      bench: 'ws-memory',
      figure: `RSS ${settings.afterCloseMs / 1000} s after ${connections} closed, % of before`,
      unit: '%',
      proxy: (level.after / level.before) * 100,
      target: { kind: 'max', value: 120 },
      errors: halfOpen === 0 ? 0 : 1,
    });
    notes.push(
      `ws-memory ${connections}: proxy RSS ${(level.before / 1024).toFixed(1)} → ${(level.burst / 1024).toFixed(1)} (just opened) → ${(level.open / 1024).toFixed(1)} (idle) → ${(level.after / 1024).toFixed(1)} MiB (closed); ` +
        `its TCP sockets ${level.socketsBefore} → ${level.socketsOpen} → ${level.socketsAfter}` +
        (halfOpen === 0 ? '' : ` (${halfOpen} left open after the close)`),
    );
  }
  notes.unshift(
    `ws-memory: a fresh proxy per level, warmed by one WebSocket; RSS read once as the sockets finished opening (each carried one 64-byte echo), then the median ` +
      `of 5 readings 1 s apart ${settings.settleMs / 1000} s later and ${settings.afterCloseMs / 1000} s after they all closed`,
  );
  return { rows, notes, details };
}
