#!/usr/bin/env node
// Benchmarks of reflex-django-proxy: each figure measured against the same upstream directly and
// through the proxy in one run, reported as a ratio (or an added latency), since absolute numbers
// on a shared machine mean little. Upstreams, the proxy and the load clients each run in their own
// process; nothing is left running afterwards (see lib/procs.js).
//
//   npm run bench                      # builds, then runs everything (~8 min)
//   node bench/run.js --quick          # shorter runs, 128 MiB upload (~1 min)
//   node bench/run.js --only ws,upload --json
//
// Needs wrk for the HTTP benchmark (apt-get install wrk); the others need only Node.
import { mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import * as http from './benches/http.js';
import * as latency from './benches/latency.js';
import * as page from './benches/page.js';
import * as upload from './benches/upload.js';
import * as ws from './benches/ws.js';
import * as wsMemory from './benches/ws-memory.js';
import * as wsSoak from './benches/ws-soak.js';
import { installCleanup, releaseWatchdog, stopAll } from './lib/procs.js';
import { PROXY_BIN, ROOT } from './lib/services.js';
import { formatNotes, formatTable, judge } from './lib/report.js';

const BENCHES = { http, latency, ws, upload, page, 'ws-memory': wsMemory, 'ws-soak': wsSoak };
const MIB = 1024 * 1024;

const HELP = `Usage: node bench/run.js [options]     (or: npm run bench -- [options])

Measures the proxy against a direct connection to the same upstream, back to back, and prints
proxy/direct ratios (or added latency) with the product's targets.

  --quick            shorter runs: 3 s HTTP/latency, 2 s WebSocket, 128 MiB upload, 7 page loads, 1 round;
                     ws-memory at 1,000 sockets only, RSS read 25 s after the close; a 20 s soak
                     (default: 10 s HTTP/latency, 8 s WebSocket per side per round, 1 GiB upload)
  --only LIST        comma-separated subset of: http, latency, ws, upload, page, ws-memory, ws-soak
                     (default: all; ws-memory takes ~3 min, ws-soak ~1.5 min)
  --rounds N         measurements per side, alternating direct/proxy order (default 2, --quick 1)
  --json             print one JSON document on stdout instead of the table (progress on stderr)
  --log-level LEVEL  the proxy's --log-level (default info: one access-log line per request,
                     as in production; the pipe is drained by this script)
  --dashboard        keep one dashboard open on the proxy during the HTTP benchmark (a client of
                     /__rdp/events reading everything it streams), to measure what watching costs
  --cpu-prof DIR     run the proxy under node --cpu-prof, writing .cpuprofile files into DIR
                     (summarise one with: node bench/profile-summary.js FILE)
  --proxy-bin PATH   the proxy's CLI script (default bin/reflex-django-proxy.js), e.g. a copy of
                     bin/ + dist/ so a rebuild during the run cannot change what is measured
  --wait-quiet S     before each measurement, wait up to S seconds for the machine to be ≥90 %
                     idle for 3 s (useful on a shared machine; default 0: don't wait)
  --strict           exit 1 when a target is missed (default: only on errors)
  -h, --help         this text

The HTTP benchmark needs wrk: apt-get install wrk (or set WRK=/path/to/wrk). Without it that
benchmark is reported as SKIP and the others still run.`;

function parseArgs(argv) {
  const opts = { proxyBin: undefined, waitQuiet: 0, quick: false, only: Object.keys(BENCHES), json: false, rounds: undefined, logLevel: 'info', cpuProf: undefined, strict: false, dashboard: false };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i].includes('=') ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)] : [argv[i], undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--quick': opts.quick = true; break;
      case '--json': opts.json = true; break;
      case '--strict': opts.strict = true; break;
      case '--dashboard': opts.dashboard = true; break;
      case '--only': {
        opts.only = value().split(',').map((s) => s.trim()).filter(Boolean);
        const unknown = opts.only.filter((name) => !(name in BENCHES));
        if (unknown.length > 0 || opts.only.length === 0) throw new Error(`--only: unknown benchmark ${unknown.join(', ') || '(none given)'}; choose from ${Object.keys(BENCHES).join(', ')}`);
        break;
      }
      case '--rounds': {
        opts.rounds = Number(value());
        if (!Number.isInteger(opts.rounds) || opts.rounds < 1) throw new Error('--rounds must be a positive integer');
        break;
      }
      case '--log-level': opts.logLevel = value(); break;
      case '--wait-quiet': {
        opts.waitQuiet = Number(value());
        if (!(opts.waitQuiet >= 0)) throw new Error('--wait-quiet needs a number of seconds');
        break;
      }
      case '--cpu-prof': opts.cpuProf = resolve(value()); break;
      case '--proxy-bin': opts.proxyBin = resolve(value()); break;
      case '-h': case '--help': opts.help = true; break;
      default: throw new Error(`unknown option ${argv[i]} (see --help)`);
    }
  }
  return opts;
}

function settings(opts) {
  const q = opts.quick;
  return {
    ...opts,
    rounds: opts.rounds ?? (q ? 1 : 2),
    http: { duration: q ? 3 : 10, warmup: q ? 1 : 2, slice: q ? 1 : 2, connections: 50 },
    latency: { rate: 1000, duration: q ? 3 : 10, warmup: q ? 1 : 2, slice: 1, connections: 32 },
    ws: { connections: [1, 50], duration: q ? 2 : 8, warmup: q ? 0.5 : 1, slice: q ? 0.5 : 1, size: 64 },
    upload: { bytes: q ? 128 * MIB : 1024 * MIB, warmupBytes: q ? 16 * MIB : 64 * MIB, mode: 'length' },
    page: { loads: q ? 7 : 11 },
    wsMemory: { connections: q ? [1000] : [1000, 5000], settleMs: 20_000, afterCloseMs: q ? 25_000 : 60_000 },
    wsSoak: { connections: 1000, durationS: q ? 20 : 60, restarts: q ? 3 : 10, downMs: 500, intervalMs: 500 },
    proxyNodeArgs: (name) => (opts.cpuProf === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProf}`, `--cpu-prof-name=proxy-${name}-${Date.now()}.cpuprofile`]),
  };
}

function gitCommit() {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return dirty ? `${commit}+dirty src` : commit;
  } catch {
    return undefined;
  }
}

async function main() {
  const log = (line) => process.stderr.write(`${line}\n`);
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (error) {
    log(`bench: ${error.message}`);
    process.exit(2);
  }
  if (opts.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  installCleanup(log);
  const config = settings(opts);
  if (config.cpuProf !== undefined) mkdirSync(config.cpuProf, { recursive: true });
  const meta = {
    date: new Date().toISOString(),
    commit: gitCommit(),
    node: process.version,
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    loadavgAtStart: loadavg().map((v) => Math.round(v * 100) / 100),
    quick: config.quick,
    rounds: config.rounds,
    proxyLogLevel: config.logLevel,
    dashboardOpen: config.dashboard,
    waitQuietSeconds: config.waitQuiet,
    proxyBin: config.proxyBin ?? PROXY_BIN,
    command: `node bench/run.js ${process.argv.slice(2).join(' ')}`.trim(),
  };
  log(`reflex-django-proxy benchmarks — ${meta.command}\n${meta.cpus}, node ${meta.node}, load ${meta.loadavgAtStart.join(' ')}, commit ${meta.commit ?? '?'}`);

  const rows = [];
  const notes = [];
  const details = {};
  const errors = [];
  try {
    for (const name of Object.keys(BENCHES).filter((n) => config.only.includes(n))) {
      const started = Date.now();
      log(`\n— ${name} —`);
      try {
        const outcome = await BENCHES[name].run(config, log);
        rows.push(...outcome.rows);
        notes.push(...(outcome.notes ?? []));
        details[name] = outcome.details;
      } catch (error) {
        log(`${name}: ERROR ${error.stack ?? error}`);
        errors.push({ bench: name, message: String(error.message ?? error) });
        rows.push({ bench: name, figure: `${name} benchmark`, status: 'ERROR', note: String(error.message ?? error).split('\n')[0] });
      }
      log(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await stopAll();
    releaseWatchdog();
  }
  for (const row of rows) if (row.status === undefined) row.status = judge(row);
  meta.loadavgAtEnd = loadavg().map((v) => Math.round(v * 100) / 100);

  if (config.json) {
    process.stdout.write(`${JSON.stringify({ meta, rows, notes, errors, details }, null, 2)}\n`);
  } else {
    process.stdout.write(`\n${formatTable(rows)}\n\n${formatNotes(notes)}\n`);
    if (config.cpuProf !== undefined) process.stdout.write(`\nproxy CPU profiles: ${config.cpuProf}\n`);
  }
  const missed = rows.some((row) => row.status === 'MISS' || row.status === 'FAIL');
  process.exitCode = errors.length > 0 ? 1 : config.strict && missed ? 1 : 0;
}

await main();
