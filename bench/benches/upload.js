// 4. A large upload: a generated body streamed with POST to /_upload on a byte-counting sink,
//    directly and through the proxy; MB/s of each, the sink's count checked against what was sent,
//    and the proxy's peak RSS (VmHWM) read after the uploads.
import { join } from 'node:path';
import { noiseOf, sideOrder, waitForQuiet, withCpu } from '../lib/measure.js';
import { lastJsonLine, procStatus, runToCompletion } from '../lib/procs.js';
import { BENCH_DIR, startProxy, startScript } from '../lib/services.js';
import { mean } from '../lib/stats.js';

const MIB = 1024 * 1024;

async function client(url, bytes, mode) {
  const args = [join(BENCH_DIR, 'upload-client.js'), '--url', url, '--bytes', String(bytes), '--mode', mode];
  // Generous: even 20 MB/s moves 1 GiB in under a minute.
  const proc = await runToCompletion('upload-client', process.execPath, args, { timeoutMs: 120_000 + (bytes / 20e6) * 1000 });
  return lastJsonLine(proc.stdoutAll);
}

const sizeText = (bytes) => (bytes % (1024 * MIB) === 0 ? `${bytes / (1024 * MIB)} GiB` : `${bytes / MIB} MiB`);

export async function run(opts, log) {
  const { bytes, warmupBytes, mode } = opts.upload;
  const sink = await startScript('upload-sink', 'upload-sink.js');
  let proxy;
  try {
    proxy = await startProxy({ upstream: sink.url, logLevel: opts.logLevel, bin: opts.proxyBin, nodeArgs: opts.proxyNodeArgs('upload') });
    const urls = { direct: `${sink.url}/_upload`, proxy: `${proxy.url}/_upload` };
    const startStatus = procStatus(proxy.pid);
    log(`upload: proxy RSS at start ${(startStatus.vmRssKb / 1024).toFixed(1)} MiB; warm-up ${sizeText(warmupBytes)} each side`);
    for (const side of ['direct', 'proxy']) {
      const warm = await client(urls[side], warmupBytes, mode);
      if (!warm.verified) throw new Error(`upload ${side} warm-up: sink counted ${warm.bytesReported} of ${warm.bytesSent} bytes (status ${warm.status}) ${warm.answer ?? ''}`);
    }
    const runs = { direct: [], proxy: [] };
    for (const side of sideOrder(opts.rounds)) {
      await waitForQuiet(opts.waitQuiet, log);
      const { result, ...cpu } = await withCpu({ proxy: proxy.pid, sink: sink.pid }, () => client(urls[side], bytes, mode));
      const { cpuPercent, otherLoadPercent } = cpu;
      runs[side].push({ ...result, ...cpu });
      log(
        `upload ${side.padEnd(6)}: ${sizeText(bytes)} in ${result.seconds} s = ${result.mbPerSecond} MB/s; sink counted ${result.bytesReported} of ${result.bytesSent} ` +
          `${result.verified ? '(ok)' : '(MISMATCH)'}; cpu client ${result.clientCpuPercent}% proxy ${cpuPercent.proxy}% sink ${cpuPercent.sink}%, other load ${otherLoadPercent}%`,
      );
    }
    const endStatus = procStatus(proxy.pid);
    const peakMb = (endStatus.vmHwmKb * 1024) / 1e6;
    const direct = mean(runs.direct.map((r) => r.mbPerSecond));
    const viaProxy = mean(runs.proxy.map((r) => r.mbPerSecond));
    const all = [...runs.direct, ...runs.proxy];
    const noise = noiseOf(all);
    const verified = all.every((r) => r.verified);
    const cpu = (side, name) => Math.round(mean(runs[side].map((r) => (name === 'client' ? r.clientCpuPercent : r.cpuPercent[name]))));
    const notes = [
      `upload: ${sizeText(bytes)} (${bytes.toLocaleString('en-US')} bytes) per run, ${mode === 'length' ? 'Content-Length' : 'chunked'}, generated in memory, ` +
        `${opts.rounds} round(s) per side after a ${sizeText(warmupBytes)} warm-up; MB = 10^6 bytes`,
      `upload: proxy RSS at start ${(startStatus.vmRssKb / 1024).toFixed(1)} MiB, VmHWM after the uploads ${(endStatus.vmHwmKb / 1024).toFixed(1)} MiB ` +
        `(${peakMb.toFixed(1)} MB); CPU via proxy: client ${cpu('proxy', 'client')}%, proxy ${cpu('proxy', 'proxy')}%, sink ${cpu('proxy', 'sink')}%`,
    ];
    return {
      rows: [
        { bench: 'upload', figure: `upload MB/s, ${sizeText(bytes)} POST /_upload`, unit: 'MB/s', direct, proxy: viaProxy, ratio: viaProxy / direct, target: { kind: 'none' }, noise },
        // A memory figure: other processes' CPU load does not make it unreliable, so no noise here.
        { bench: 'upload', figure: 'proxy peak RSS (VmHWM)', unit: 'MB', proxy: peakMb, target: { kind: 'max', value: 100 } },
        {
          bench: 'upload',
          figure: 'bytes counted by sink = bytes sent',
          unit: 'check',
          direct: runs.direct.every((r) => r.verified) ? 'yes' : 'NO',
          proxy: runs.proxy.every((r) => r.verified) ? 'yes' : 'NO',
          target: { kind: 'check', value: verified },
        },
      ],
      notes,
      details: { urls, proxyStatusAtStart: startStatus, proxyStatusAfter: endStatus, runs },
    };
  } finally {
    await proxy?.stop();
    await sink.stop();
  }
}
