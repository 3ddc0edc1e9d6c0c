// 1. Requests/s at 50 connections on a ~100-byte response: wrk against the origin directly and
//    through the proxy's frontend route (GET /). Each side gets `duration` seconds per round, run
//    as short wrk slices alternating direct, proxy, proxy, direct, … so that noise lasting longer
//    than a slice hits both; req/s of a side is its requests over its seconds, all slices summed.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { expectOk, noiseOf, sideOrder, waitForQuiet, withCpu } from '../lib/measure.js';
import { runToCompletion } from '../lib/procs.js';
import { openDashboard } from '../lib/dashboard.js';
import { startProxy, startScript } from '../lib/services.js';
import { mean } from '../lib/stats.js';

export const WRK_MISSING = 'wrk is not installed: install it with `apt-get install wrk` (Debian/Ubuntu; `brew install wrk` on macOS), or set WRK=/path/to/wrk';

export function findWrk() {
  const candidates = process.env.WRK ? [process.env.WRK] : [...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'wrk')), '/usr/bin/wrk', '/usr/local/bin/wrk'];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

function parseWrk(text) {
  const number = (re) => {
    const match = re.exec(text);
    return match === null ? undefined : Number(match[1]);
  };
  const requestsPerSecond = number(/Requests\/sec:\s+([\d.]+)/);
  if (requestsPerSecond === undefined) throw new Error(`could not read wrk's output:\n${text}`);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const latency = (p) => {
    const match = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(text);
    if (match === null) return undefined;
    const scale = { us: 0.001, ms: 1, s: 1000 }[match[2]];
    return Math.round(Number(match[1]) * scale * 1000) / 1000;
  };
  return {
    requestsPerSecond,
    requests: number(/(\d+) requests in/),
    seconds: (() => {
      const match = /\d+ requests in ([\d.]+)(ms|s|m)\b/.exec(text);
      return match === null ? undefined : Number(match[1]) * { ms: 0.001, s: 1, m: 60 }[match[2]];
    })(),
    non2xx: number(/Non-2xx or 3xx responses:\s+(\d+)/) ?? 0,
    socketErrors: socketErrors === null ? 0 : socketErrors.slice(1).map(Number).reduce((a, b) => a + b, 0),
    latencyP50Ms: latency(50),
    latencyP99Ms: latency(99),
  };
}

async function wrk(bin, url, seconds, connections) {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url];
  const proc = await runToCompletion('wrk', bin, args, { timeoutMs: (seconds + 30) * 1000 });
  return { command: `wrk ${args.join(' ')}`, ...parseWrk(proc.stdoutAll) };
}

export async function run(opts, log) {
  const figure = 'HTTP req/s, 50 conns, 100 B body';
  const bin = findWrk();
  if (bin === undefined) {
    log(`http: SKIPPED — ${WRK_MISSING}`);
    return { rows: [{ bench: 'http', figure, status: 'SKIP', note: WRK_MISSING }], details: { skipped: WRK_MISSING } };
  }
  const { duration, warmup, slice, connections } = opts.http;
  const origin = await startScript('origin-http', 'origin-http.js');
  let proxy;
  let dashboard;
  try {
    proxy = await startProxy({ upstream: origin.url, logLevel: opts.logLevel, bin: opts.proxyBin, nodeArgs: opts.proxyNodeArgs('http') });
    if (opts.dashboard) dashboard = await openDashboard(proxy.url);
    const urls = { direct: `${origin.url}/`, proxy: `${proxy.url}/` };
    for (const side of ['direct', 'proxy']) {
      const answer = await expectOk(urls[side], `http ${side}`);
      if (answer.body.length !== 100) throw new Error(`http ${side}: expected a 100-byte body, got ${answer.body.length}`);
    }
    log(`http: warm-up ${warmup}s each side`);
    for (const side of ['direct', 'proxy']) await wrk(bin, urls[side], warmup, connections);
    const runs = { direct: [], proxy: [] };
    const slices = Math.max(1, Math.round(duration / slice)) * opts.rounds;
    log(`http: ${slices} slice(s) of ${slice}s per side, alternating`);
    for (const side of sideOrder(slices)) {
      await waitForQuiet(opts.waitQuiet, log);
      const { result, ...cpu } = await withCpu({ proxy: proxy.pid, origin: origin.pid }, () => wrk(bin, urls[side], slice, connections));
      const { cpuPercent, otherLoadPercent } = cpu;
      runs[side].push({ ...result, ...cpu });
      log(
        `http ${side.padEnd(6)}: ${Math.round(result.requestsPerSecond).toLocaleString('en-US')} req/s  p50 ${result.latencyP50Ms} ms  p99 ${result.latencyP99Ms} ms  ` +
          `cpu proxy ${cpuPercent.proxy}% origin ${cpuPercent.origin}%, other load ${otherLoadPercent}%` +
          (result.non2xx + result.socketErrors > 0 ? `  ERRORS non2xx=${result.non2xx} socket=${result.socketErrors}` : ''),
      );
    }
    const rate = (side) => runs[side].reduce((s, r) => s + r.requests, 0) / runs[side].reduce((s, r) => s + r.seconds, 0);
    const direct = rate('direct');
    const viaProxy = rate('proxy');
    const errors = [...runs.direct, ...runs.proxy].reduce((sum, r) => sum + r.non2xx + r.socketErrors, 0);
    const cpu = (side, name) => Math.round(mean(runs[side].map((r) => r.cpuPercent[name])));
    const notes = [
      `http: wrk -t1 -c${connections}, ${duration}s per side per round as ${slice}-s slices (wrk -d${slice}s) alternating direct/proxy, ${opts.rounds} round(s), after a ${warmup}s warm-up; CPU (% of one core) direct: origin ${cpu('direct', 'origin')}%; ` +
        `via proxy: proxy ${cpu('proxy', 'proxy')}%, origin ${cpu('proxy', 'origin')}% (wrk uses the rest of the 2nd core)`,
    ];
    if (errors > 0) notes.push(`http: ${errors} non-2xx responses or socket errors — the figures are suspect`);
    if (dashboard !== undefined) notes.push(`http: a dashboard was open on the proxy throughout and received ${dashboard.stats.events} events (${Math.round(dashboard.stats.bytes / 1024)} KiB)`);
    return {
      rows: [
        {
          bench: 'http',
          figure,
          unit: 'req/s',
          direct,
          proxy: viaProxy,
          ratio: viaProxy / direct,
          target: { kind: 'ratio-min', value: 0.35 },
          errors,
          noise: noiseOf([...runs.direct, ...runs.proxy]),
        },
      ],
      notes,
      details: { urls, runs },
    };
  } finally {
    dashboard?.close();
    await proxy?.stop();
    await origin.stop();
  }
}
