// What every benchmark shares: the A/B order, CPU accounting around a measurement, a GET for
// sanity checks.
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { cpuTicks, machineTicks, selfAndReapedTicks } from './procs.js';

const CLK_TCK = 100; // Linux USER_HZ; /proc/<pid>/stat counts in these

/**
 * The sides of each round, alternating which goes first (direct, proxy, proxy, direct, …), so a
 * drift in the machine's load over the run hits both sides alike.
 */
export function sideOrder(rounds) {
  const order = [];
  for (let round = 0; round < rounds; round += 1) order.push(...(round % 2 === 0 ? ['direct', 'proxy'] : ['proxy', 'direct']));
  return order;
}

/**
 * Runs fn and reports, next to its result, the CPU the named processes used meanwhile (percent of
 * one core), how busy the whole machine was (percent of all cores), and the noise: CPU used by
 * processes that are not part of this benchmark (percent of one core) and hypervisor steal.
 */
export async function withCpu(pids, fn) {
  const names = Object.keys(pids);
  const before = names.map((name) => cpuTicks(pids[name]));
  const ownBefore = selfAndReapedTicks();
  const machineBefore = machineTicks();
  const started = performance.now();
  const result = await fn();
  const seconds = (performance.now() - started) / 1000;
  const machineAfter = machineTicks();
  const ownAfter = selfAndReapedTicks();
  const after = names.map((name) => cpuTicks(pids[name]));
  const percentOfCore = (ticks) => Math.round((ticks / CLK_TCK / seconds) * 1000) / 10;
  const cpuPercent = {};
  let ours = ownAfter - ownBefore;
  names.forEach((name, i) => {
    cpuPercent[name] = percentOfCore(after[i] - before[i]);
    ours += after[i] - before[i];
  });
  const total = machineAfter.total - machineBefore.total;
  return {
    result,
    cpuPercent,
    machineBusyPercent: Math.round((1 - (machineAfter.idle - machineBefore.idle) / total) * 1000) / 10,
    // Per-process times include the softirq work (loopback TCP) done on their behalf, so compare
    // them with user+system+irq+softirq of the whole machine.
    otherLoadPercent: Math.max(0, percentOfCore(machineAfter.work + machineAfter.irq - machineBefore.work - machineBefore.irq - ours)),
    stealPercent: percentOfCore(machineAfter.steal - machineBefore.steal),
  };
}

/** Summary of the noise over a list of measurements made with withCpu. */
export function noiseOf(measurements) {
  const other = measurements.map((m) => m.otherLoadPercent);
  const steal = measurements.map((m) => m.stealPercent);
  return {
    otherLoadPercentMean: Math.round(other.reduce((a, b) => a + b, 0) / other.length),
    otherLoadPercentMax: Math.round(Math.max(...other)),
    stealPercentMax: Math.round(Math.max(...steal)),
  };
}

/** One GET with a fresh connection; resolves { status, body }. */
export function httpGet(url, timeoutMs = 5_000) {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      const parts = [];
      res.on('data', (chunk) => parts.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export async function expectOk(url, what) {
  const answer = await httpGet(url);
  if (answer.status !== 200) throw new Error(`${what}: GET ${url} answered ${answer.status}: ${answer.body.toString('utf8').slice(0, 300)}`);
  return answer;
}

/**
 * With --wait-quiet S: before a measurement, waits until the machine has been at least 90 % idle
 * for 3 s in a row (our own processes are idle between measurements), or until S seconds passed.
 * Resolves with the seconds waited and whether quiet was reached.
 */
export async function waitForQuiet(maxSeconds, log) {
  if (!(maxSeconds > 0)) return { waited: 0, quiet: undefined };
  const started = performance.now();
  let calm = 0;
  let previous = machineTicks();
  let announced = false;
  while ((performance.now() - started) / 1000 < maxSeconds) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = machineTicks();
    const idle = (now.idle - previous.idle) / (now.total - previous.total);
    previous = now;
    calm = idle >= 0.9 ? calm + 1 : 0;
    if (calm >= 3) return { waited: Math.round((performance.now() - started) / 100) / 10, quiet: true };
    if (!announced && calm === 0) {
      log(`  (waiting up to ${maxSeconds}s for the machine to be quiet: ${Math.round((1 - idle) * 100)}% busy)`);
      announced = true;
    }
  }
  log(`  (still busy after ${maxSeconds}s: measuring anyway)`);
  return { waited: maxSeconds, quiet: false };
}
