// 5. Page load of a Reflex-like dev page (lib/page-app.js: 45 modules from a real Vite dev server)
//    in headless Chromium with a cold cache (a new browser context per load): straight to Vite,
//    through the proxy over plain HTTP/1.1, and through `--https` (HTTP/2), alternating per round.
//    The figure is the median time from navigation start to the page's last module having run.
//    Chromium trusts the proxy's local CA through an NSS database in a temporary HOME, with the
//    command the proxy prints (so nothing is ignored), and the protocol of every load is checked.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { COUNTED_MODULES, PAGE_MODULES, writePageApp } from '../lib/page-app.js';
import { waitForQuiet } from '../lib/measure.js';
import { spawnTracked, stop } from '../lib/procs.js';
import { freePort, ROOT, startProxy } from '../lib/services.js';

const CHROMIUM = '/usr/bin/chromium';
const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SIDES = ['direct', 'proxy-h1', 'proxy-h2'];

async function startVite(dir, cacheDir) {
  const port = await freePort();
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const proc = spawnTracked('vite', process.execPath, [vite, '--port', String(port), '--strictPort', '--host', '127.0.0.1', '--logLevel', 'info'], {
    cwd: dir,
    env: { ...process.env, BENCH_VITE_CACHE_DIR: cacheDir },
  });
  // Vite prints its URL when listening; the first page load compiles (the warm-up load does it).
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exitInfo !== undefined) throw new Error(`vite exited: ${proc.stderrTail}`);
    try {
      const answer = await fetch(`http://127.0.0.1:${port}/`);
      if (answer.ok) return { proc, url: `http://127.0.0.1:${port}` };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('vite did not answer within 30 s');
}

/** A HOME whose NSS database trusts `caPath`, as the proxy's printed Linux/Chromium command does. */
function trustingHome(caPath) {
  const home = mkdtempSync(join(tmpdir(), 'rdp-bench-home-'));
  const db = join(home, '.pki', 'nssdb');
  mkdirSync(db, { recursive: true });
  execFileSync('certutil', ['-d', `sql:${db}`, '-N', '--empty-password']);
  execFileSync('certutil', ['-d', `sql:${db}`, '-A', '-t', 'C,,', '-n', 'reflex-django-proxy local CA', '-i', caPath]);
  return home;
}

async function loadOnce(browser, url) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${url}/`, { waitUntil: 'commit' });
    await page.waitForFunction(() => window.__benchLoaded !== undefined, undefined, { timeout: 60_000 });
    return await page.evaluate(() => ({
      ms: window.__benchLoaded.at,
      modules: window.__benchLoaded.modules,
      protocols: [...new Set(performance.getEntriesByType('resource').map((entry) => entry.nextHopProtocol))],
      requests: performance.getEntriesByType('resource').length + 1,
    }));
  } finally {
    await context.close();
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

export async function run(opts, log) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
  const { chromium } = await import('playwright-core');
  const work = mkdtempSync(join(tmpdir(), 'rdp-bench-page-'));
  const app = join(work, 'app');
  const cache = join(work, 'cache');
  let browser;
  const started = [];
  try {
    writePageApp(app);
    const vite = await startVite(app, join(work, 'vite-cache'));
    started.push(vite.proc);
    const upstream = vite.url;
    const plain = await startProxy({ upstream, logLevel: opts.logLevel, bin: opts.proxyBin, nodeArgs: opts.proxyNodeArgs('page-h1') });
    started.push(plain.proc);
    const tls = await startProxy({ upstream, logLevel: opts.logLevel, bin: opts.proxyBin, nodeArgs: opts.proxyNodeArgs('page-h2'), extraArgs: ['--https'], env: { XDG_CACHE_HOME: cache } });
    started.push(tls.proc);
    const home = trustingHome(join(cache, 'reflex-django-proxy', 'tls', 'ca.pem'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS, env: { ...process.env, HOME: home } });
    const urls = { direct: upstream, 'proxy-h1': plain.url, 'proxy-h2': tls.url };
    const expectedProtocol = { direct: 'http/1.1', 'proxy-h1': 'http/1.1', 'proxy-h2': 'h2' };
    // Warm-up: Vite transforms each module on first request; every side gets one load first.
    for (const side of SIDES) await loadOnce(browser, urls[side]);
    const loads = { direct: [], 'proxy-h1': [], 'proxy-h2': [] };
    for (let round = 0; round < opts.page.loads; round += 1) {
      await waitForQuiet(opts.waitQuiet, log);
      // Rotate the order each round, so no side always follows another.
      const order = SIDES.map((_, i) => SIDES[(i + round) % SIDES.length]);
      for (const side of order) {
        const load = await loadOnce(browser, urls[side]);
        if (load.modules !== COUNTED_MODULES) throw new Error(`${side}: ${load.modules} of ${COUNTED_MODULES} modules ran`);
        if (load.protocols.length !== 1 || load.protocols[0] !== expectedProtocol[side]) throw new Error(`${side}: loaded over ${load.protocols.join(', ')}, expected ${expectedProtocol[side]}`);
        loads[side].push(load);
      }
      log(`page round ${round + 1}: ${SIDES.map((side) => `${side} ${loads[side].at(-1).ms.toFixed(0)} ms`).join(', ')}`);
    }
    const medians = Object.fromEntries(SIDES.map((side) => [side, median(loads[side].map((load) => load.ms))]));
    const requests = loads.direct[0].requests;
    const figure = (side, what, target) => ({
      bench: 'page',
      figure: `page load, ${PAGE_MODULES} Vite modules, ${what}`,
      unit: 'ms',
      direct: medians.direct,
      proxy: medians[side],
      // A time, lower is better: proxy/direct ≤ 1 means "no slower than direct".
      ratio: medians[side] / medians.direct,
      target,
    });
    return {
      rows: [figure('proxy-h1', 'HTTP/1.1 through the proxy', undefined), figure('proxy-h2', '--https (HTTP/2) through the proxy', { kind: 'ratio-max', value: 1 })],
      notes: [
        `page: headless Chromium, a new context (cold cache, new connections) per load, ${opts.page.loads} loads per side after one warm-up, order rotated each round; ` +
          `${requests} requests per load, load average ${loadavg()[0].toFixed(1)} at the end; median ms from navigation start to the last module run (direct ${medians.direct.toFixed(0)}, ` +
          `proxy HTTP/1.1 ${medians['proxy-h1'].toFixed(0)}, proxy --https HTTP/2 ${medians['proxy-h2'].toFixed(0)}); proxy/direct ≤ 1 is no slower than direct; ` +
          'Chromium trusts the local CA (certutil into a temporary NSS database), no certificate error is ignored',
      ],
      details: { loads, medians },
    };
  } finally {
    await browser?.close();
    await Promise.all(started.map((proc) => stop(proc)));
    rmSync(work, { recursive: true, force: true });
  }
}
