// 6. Soak: 1,000 WebSockets through the proxy exchanging messages both ways for 60 s while the
//    origin is restarted 10 times (each restart drops every socket; the clients open them again and
//    the proxy holds those handshakes until the origin is back). Checked: every reconnect ends in a
//    101, no message arrives twice, out of order or with one missing before it, and afterwards the
//    proxy holds no socket it did not hold before (nothing half-open), with as many "websocket
//    closed" records as "websocket opened".
import { join } from 'node:path';
import { socketCount, spawnTracked, stop, waitForJsonLine } from '../lib/procs.js';
import { BENCH_DIR, freePort, startProxy, startScript, withFileLimit } from '../lib/services.js';

const PATH = '/_event/?EIO=4&transport=websocket';
const SPARE_FDS = 512;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function run(opts, log) {
  const settings = opts.wsSoak;
  const nofile = 2 * settings.connections + SPARE_FDS;
  const port = await freePort();
  const originArgs = ['--port', String(port), '--push-ms', String(settings.intervalMs)];
  let origin = await startScript('origin-ws', 'origin-ws.js', originArgs, { nofile });
  let proxy;
  let client;
  try {
    proxy = await startProxy({ upstream: origin.url, logLevel: opts.logLevel, bin: opts.proxyBin, nodeArgs: opts.proxyNodeArgs('ws-soak'), nofile });
    const records = { opened: 0, closed: 0 };
    proxy.proc.lineListeners.add((line) => {
      if (line.includes('"msg":"websocket opened"')) records.opened += 1;
      else if (line.includes('"msg":"websocket closed"')) records.closed += 1;
    });
    // Its start-up probes of the upstreams close within moments: count once they have.
    await sleep(2_000);
    const socketsBefore = socketCount(proxy.pid);
    const args = [
      join(BENCH_DIR, 'ws-soak-client.js'),
      '--url', `ws://127.0.0.1:${proxy.port}${PATH}`,
      '--connections', String(settings.connections),
      '--duration', String(settings.durationS),
      '--interval', String(settings.intervalMs),
    ];
    client = spawnTracked('ws-soak-client', ...withFileLimit(nofile, process.execPath, args));
    const result = waitForJsonLine(client, (line) => line.connections !== undefined, (settings.durationS + 90) * 1000);
    const every = (settings.durationS * 1000) / (settings.restarts + 1);
    for (let restart = 1; restart <= settings.restarts; restart += 1) {
      await sleep(every);
      await origin.stop();
      await sleep(settings.downMs);
      origin = await startScript('origin-ws', 'origin-ws.js', originArgs, { nofile });
      log(`ws-soak: origin restarted (${restart}/${settings.restarts})`);
    }
    const totals = await result;
    await sleep(3_000);
    const socketsAfter = socketCount(proxy.pid);
    log(`ws-soak: ${JSON.stringify(totals)}; proxy sockets ${socketsBefore} before, ${socketsAfter} after; records opened ${records.opened}, closed ${records.closed}`);
    const delivered = totals.duplicates + totals.skipped === 0;
    const rows = [
      { bench: 'ws-soak', figure: `reconnects ending in 101 (of ${totals.reconnects})`, proxy: `${totals.reconnects - totals.failedHandshakes}`, target: { kind: 'check', value: totals.failedHandshakes === 0 } },
      { bench: 'ws-soak', figure: `messages twice / out of order or lost (of ${totals.echoes + totals.pushes})`, proxy: `${totals.duplicates} / ${totals.skipped}`, target: { kind: 'check', value: delivered } },
      { bench: 'ws-soak', figure: 'proxy sockets after the soak (before)', proxy: `${socketsAfter} (${socketsBefore})`, target: { kind: 'check', value: socketsAfter <= socketsBefore } },
      { bench: 'ws-soak', figure: 'relays opened / closed (access records)', proxy: `${records.opened} / ${records.closed}`, target: { kind: 'check', value: records.opened === records.closed } },
    ];
    const notes = [
      `ws-soak: ${settings.connections} WebSockets for ${settings.durationS} s, each sending a message every ${settings.intervalMs} ms (echoed) and pushed one by the origin as often; ` +
        `the origin restarted ${settings.restarts} times (down ${settings.downMs} ms each); ${totals.sent} sent, ${totals.echoes} echoes and ${totals.pushes} pushes received, ` +
        `${totals.opened} opens (${totals.reconnects} reconnects${totals.failedHandshakes > 0 ? `, ${totals.failedHandshakes} failed: ${JSON.stringify(totals.failures)}` : ''}), ` +
        `handshake to 101 median ${totals.openMsMedian} ms, max ${totals.openMsMax} ms (held while the origin was down); ${totals.pendingAtEnd} still waiting when the run ended`,
    ];
    return { rows, notes, details: { totals, socketsBefore, socketsAfter, records } };
  } finally {
    if (client !== undefined) await stop(client);
    await proxy?.stop();
    await origin.stop();
  }
}
