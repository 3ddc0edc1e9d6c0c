#!/usr/bin/env node
// Top functions by self time in a V8 .cpuprofile (as written by `node bench/run.js --cpu-prof DIR`).
//   node bench/profile-summary.js DIR/proxy-http-….cpuprofile [--top 25]
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args[topAt + 1]) : 25;
if (file === undefined) {
  process.stderr.write('usage: node bench/profile-summary.js FILE.cpuprofile [--top N]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfTicks = new Map();
for (const id of profile.samples) selfTicks.set(id, (selfTicks.get(id) ?? 0) + 1);
const total = profile.samples.length;
// Percentages are of the samples where the proxy was busy: idle time (e.g. while the benchmark
// measured the direct side) would only dilute them.
const idleIds = new Set(profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id));
const busy = profile.samples.filter((id) => !idleIds.has(id)).length;

const where = (frame) => {
  const url = frame.url ? frame.url.replace(/^file:\/\//, '') : '';
  const shortUrl = url.startsWith('/') ? relative(process.cwd(), url) : url;
  return `${frame.functionName || '(anonymous)'} ${shortUrl ? `${shortUrl}:${frame.lineNumber + 1}` : ''}`.trim();
};

const selfByFunction = new Map();
for (const [id, ticks] of selfTicks) {
  const key = where(byId.get(id).callFrame);
  selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + ticks);
}
// Self time grouped by the package or file it is in: where does the time go, broadly?
const selfByArea = new Map();
for (const [id, ticks] of selfTicks) {
  const { url, functionName } = byId.get(id).callFrame;
  let area;
  if (url === '') area = functionName.startsWith('(') ? functionName : '(native / V8 builtins)';
  else if (url.startsWith('node:')) area = `node core: ${url.slice(5).split('/')[0]}`;
  else if (url.includes('/node_modules/')) area = `npm: ${url.split('/node_modules/').pop().split('/').slice(0, url.includes('/node_modules/@') ? 2 : 1).join('/')}`;
  else area = relative(process.cwd(), url.replace(/^file:\/\//, ''));
  selfByArea.set(area, (selfByArea.get(area) ?? 0) + ticks);
}

const show = (title, map, n) => {
  process.stdout.write(`\n${title}\n`);
  for (const [key, ticks] of [...map].filter(([key]) => key !== '(idle)' && !key.startsWith('(idle) ')).sort((a, b) => b[1] - a[1]).slice(0, n)) {
    process.stdout.write(`${((ticks / busy) * 100).toFixed(1).padStart(5)}%  ${key}\n`);
  }
};
process.stdout.write(`${file}: ${total} samples over ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s, busy in ${busy} (${((busy / total) * 100).toFixed(0)}%); percentages below are of the busy samples\n`);
show('self time by area', selfByArea, 15);
show(`top ${top} functions by self time`, selfByFunction, top);
