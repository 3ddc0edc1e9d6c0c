// 3. WebSocket echo messages/s at 1 and 50 connections: 64-byte ping-pong against the `ws` echo
//    origin directly and through the proxy's /_event/ route. Each round is one client process
//    alternating direct and proxy in short slices; rounds alternate which side goes first.
import { join } from 'node:path';
import { noiseOf, waitForQuiet, withCpu } from '../lib/measure.js';
import { lastJsonLine, runToCompletion } from '../lib/procs.js';
import { BENCH_DIR, startProxy, startScript } from '../lib/services.js';
import { mean } from '../lib/stats.js';

const PATH = '/_event/?EIO=4&transport=websocket';

async function client(order, urls, connections, { duration, warmup, slice, size }) {
  const args = [
    join(BENCH_DIR, 'ws-client.js'),
    '--targets', order.map((side) => `${side}=${urls[side]}`).join(','),
    '--connections', String(connections),
    '--duration', String(duration),
    '--warmup', String(warmup),
    '--slice', String(slice),
    '--size', String(size),
  ];
  const proc = await runToCompletion('ws-client', process.execPath, args, { timeoutMs: 4 * (duration + warmup) * 1000 + 30_000 });
  return lastJsonLine(proc.stdoutAll);
}

export async function run(opts, log) {
  const settings = opts.ws;
  const origin = await startScript('origin-ws', 'origin-ws.js');
  let proxy;
  try {
    proxy = await startProxy({ upstream: origin.url, logLevel: opts.logLevel, bin: opts.proxyBin, nodeArgs: opts.proxyNodeArgs('ws') });
    const urls = { direct: `ws://127.0.0.1:${origin.port}${PATH}`, proxy: `ws://127.0.0.1:${proxy.port}${PATH}` };
    const rows = [];
    const notes = [];
    const details = { urls, levels: {} };
    for (const connections of settings.connections) {
      const runs = [];
      for (let round = 0; round < opts.rounds; round += 1) {
        const order = round % 2 === 0 ? ['direct', 'proxy'] : ['proxy', 'direct'];
        await waitForQuiet(opts.waitQuiet, log);
        const { result, ...cpu } = await withCpu({ proxy: proxy.pid, origin: origin.pid }, () => client(order, urls, connections, settings));
        runs.push({ order, ...result, ...cpu });
        const line = (side) => {
          const t = result.targets[side];
          return `${side} ${Math.round(t.messagesPerSecond).toLocaleString('en-US')} msg/s (per conn ${t.perConnectionMin}–${t.perConnectionMax})${t.badEchoes > 0 ? ` BAD ECHOES ${t.badEchoes}` : ''}`;
        };
        log(
          `ws ${String(connections).padStart(2)} conn round ${round + 1}: ${line('direct')} | ${line('proxy')} | ` +
            `cpu client ${result.clientCpuPercent}% proxy ${cpu.cpuPercent.proxy}% origin ${cpu.cpuPercent.origin}%, other load ${cpu.otherLoadPercent}%`,
        );
      }
      const rate = (side) => {
        const targets = runs.map((r) => r.targets[side]);
        return targets.reduce((s, t) => s + t.echoes, 0) / targets.reduce((s, t) => s + t.seconds, 0);
      };
      const direct = rate('direct');
      const viaProxy = rate('proxy');
      const badEchoes = runs.reduce((s, r) => s + r.targets.direct.badEchoes + r.targets.proxy.badEchoes, 0);
      rows.push({
        bench: 'ws',
        figure: `WS echo msg/s, ${connections} conn${connections === 1 ? '' : 's'}, ${settings.size} B`,
        unit: 'msg/s',
        direct,
        proxy: viaProxy,
        ratio: viaProxy / direct,
        target: connections === 50 ? { kind: 'ratio-min', value: 0.6 } : { kind: 'none' },
        errors: badEchoes,
        noise: noiseOf(runs),
      });
      notes.push(
        `ws ${connections}: CPU (% of one core, averaged over direct and proxy slices alike) client ${Math.round(mean(runs.map((r) => r.clientCpuPercent)))}%, ` +
          `proxy ${Math.round(mean(runs.map((r) => r.cpuPercent.proxy)))}%, origin ${Math.round(mean(runs.map((r) => r.cpuPercent.origin)))}%`,
      );
      if (badEchoes > 0) notes.push(`ws ${connections}: ${badEchoes} echoes of the wrong size`);
      details.levels[connections] = runs;
    }
    notes.unshift(
      `ws: ping-pong (send, await echo, send), direct and proxy alternating in ${settings.slice}-s slices, ${settings.duration}s measured per side per round after ${settings.warmup}s warm-up, ` +
        `${opts.rounds} round(s); proxy path ${PATH}`,
    );
    return { rows, notes, details };
  } finally {
    await proxy?.stop();
    await origin.stop();
  }
}
