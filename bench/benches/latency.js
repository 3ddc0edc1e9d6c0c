// 2. Added latency at a fixed 1,000 requests/s: the open-loop client (its own process) sends to the
//    origin directly and through the proxy in alternating 1-second slices of one run; each round
//    is one such run, and rounds alternate which side goes first. Samples of all rounds are merged
//    per side before taking p50/p99.
import { join } from 'node:path';
import { expectOk, noiseOf, waitForQuiet, withCpu } from '../lib/measure.js';
import { lastJsonLine, runToCompletion } from '../lib/procs.js';
import { BENCH_DIR, startProxy, startScript } from '../lib/services.js';
import { mean, summarize } from '../lib/stats.js';

async function client(order, urls, { rate, duration, warmup, slice, connections }) {
  const args = [
    join(BENCH_DIR, 'latency-client.js'),
    '--targets', order.map((side) => `${side}=${urls[side]}`).join(','),
    '--rate', String(rate),
    '--duration', String(duration),
    '--warmup', String(warmup),
    '--slice', String(slice),
    '--connections', String(connections),
  ];
  const proc = await runToCompletion('latency-client', process.execPath, args, { timeoutMs: 2 * (duration + warmup) * 1000 + 30_000 });
  return lastJsonLine(proc.stdoutAll);
}

export async function run(opts, log) {
  const settings = opts.latency;
  const origin = await startScript('origin-http', 'origin-http.js');
  let proxy;
  try {
    proxy = await startProxy({ upstream: origin.url, logLevel: opts.logLevel, bin: opts.proxyBin, nodeArgs: opts.proxyNodeArgs('latency') });
    const urls = { direct: `${origin.url}/`, proxy: `${proxy.url}/` };
    for (const side of ['direct', 'proxy']) await expectOk(urls[side], `latency ${side}`);
    const runs = [];
    const samples = { direct: [], proxy: [] };
    for (let round = 0; round < opts.rounds; round += 1) {
      const order = round % 2 === 0 ? ['direct', 'proxy'] : ['proxy', 'direct'];
      await waitForQuiet(opts.waitQuiet, log);
      const measured = await withCpu({ proxy: proxy.pid, origin: origin.pid }, () => client(order, urls, settings));
      const { result, ...cpu } = measured;
      for (const side of order) {
        samples[side].push(...result.targets[side].samples.map((v) => (v === null ? Infinity : v)));
        delete result.targets[side].samples; // keep the JSON output small
      }
      runs.push({ order, ...result, ...cpu });
      const line = (side) => {
        const t = result.targets[side];
        const failed = t.errors + t.non2xx + t.unanswered;
        return `${side} p50 ${t.latencyMs.p50} p99 ${t.latencyMs.p99} p99.9 ${t.latencyMs.p999} max ${t.latencyMs.max} ms (send lag p99 ${t.sendLagMs.p99})${failed > 0 ? ` ERRORS ${failed}` : ''}`;
      };
      log(`latency round ${round + 1} (${order.join(' first, ')} second): ${line('direct')} | ${line('proxy')} | cpu client ${result.clientCpuPercent}% proxy ${cpu.cpuPercent.proxy}% origin ${cpu.cpuPercent.origin}%, other load ${cpu.otherLoadPercent}%`);
    }
    const merged = {};
    for (const side of ['direct', 'proxy']) {
      const targets = runs.map((r) => r.targets[side]);
      merged[side] = {
        latencyMs: summarize(samples[side]),
        failed: targets.reduce((s, t) => s + t.errors + t.non2xx + t.unanswered, 0),
        sendLagP99Ms: Math.max(...targets.map((t) => t.sendLagMs.p99)),
        serviceP50Ms: mean(targets.map((t) => t.serviceMs.p50)),
        serviceP99Ms: mean(targets.map((t) => t.serviceMs.p99)),
      };
    }
    const d = merged.direct.latencyMs;
    const p = merged.proxy.latencyMs;
    const errors = merged.direct.failed + merged.proxy.failed;
    const noise = noiseOf(runs);
    const figure = (q) => `latency ${q} @ ${settings.rate.toLocaleString('en-US')} req/s`;
    const notes = [
      `latency: open loop at ${settings.rate} req/s, ${settings.connections} keep-alive connections per side, direct and proxy alternating in ${settings.slice}-s slices, ` +
        `${settings.duration}s measured per side per round after ${settings.warmup}s warm-up, ${opts.rounds} round(s); latency counted from each request's scheduled send time. ` +
        `p99.9 direct ${d.p999} / proxy ${p.p999} ms; max direct ${d.max} / proxy ${p.max} ms; ` +
        `service time (from the actual write) p99 direct ${merged.direct.serviceP99Ms.toFixed(3)} / proxy ${merged.proxy.serviceP99Ms.toFixed(3)} ms; ` +
        `client send lag p99 ≤ ${Math.max(merged.direct.sendLagP99Ms, merged.proxy.sendLagP99Ms)} ms`,
    ];
    if (errors > 0) notes.push(`latency: ${errors} failed, non-2xx or unanswered requests (counted as infinitely slow)`);
    return {
      rows: [
        { bench: 'latency', figure: figure('p50'), unit: 'ms', direct: d.p50, proxy: p.p50, added: p.p50 - d.p50, target: { kind: 'none' }, errors, noise },
        { bench: 'latency', figure: figure('p99'), unit: 'ms', direct: d.p99, proxy: p.p99, added: p.p99 - d.p99, target: { kind: 'added-max', value: 1.5 }, errors, noise },
      ],
      notes,
      details: { urls, merged, runs },
    };
  } finally {
    await proxy?.stop();
    await origin.stop();
  }
}
