// The final table: each figure with direct, proxy, ratio or added latency, target, PASS/MISS.

const number = (value, unit) => {
  if (value === undefined || value === null) return '—';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  switch (unit) {
    case 'req/s':
    case 'msg/s':
      return Math.round(value).toLocaleString('en-US');
    case 'ms':
      return `${value.toFixed(3)} ms`;
    case 'MB/s':
      return `${value.toFixed(1)} MB/s`;
    case 'MB':
      return `${value.toFixed(1)} MB`;
    case 'KiB':
      return `${value.toFixed(1)} KiB`;
    case '%':
      return `${value.toFixed(0)}%`;
    default:
      return String(value);
  }
};

function change(row) {
  if (row.ratio !== undefined) return `${row.ratio.toFixed(2)}×`;
  if (row.added !== undefined) return `${row.added >= 0 ? '+' : ''}${row.added.toFixed(3)} ms`;
  return '—';
}

function targetText(target, unit) {
  switch (target?.kind) {
    case 'ratio-min':
      return `≥ ${target.value}×`;
    case 'ratio-max':
      return `≤ ${target.value}×`;
    case 'added-max':
      return `≤ +${target.value} ms`;
    case 'max':
      return `≤ ${target.value}${unit === '%' ? '%' : ` ${unit}`}`;
    case 'check':
      return 'equal';
    default:
      return '—';
  }
}

export const NOISY_PERCENT = 30;

/** PASS / MISS against the target; 'info' for figures without one; FAIL for a broken check. */
export function judge(row) {
  const target = row.target;
  let status;
  switch (target?.kind) {
    case 'ratio-min':
      status = row.ratio >= target.value ? 'PASS' : 'MISS';
      break;
    // A time, where lower is better: the proxy may take at most `value` times what direct takes.
    case 'ratio-max':
      status = row.ratio <= target.value ? 'PASS' : 'MISS';
      break;
    case 'added-max':
      status = row.added <= target.value ? 'PASS' : 'MISS';
      break;
    case 'max':
      status = row.proxy <= target.value ? 'PASS' : 'MISS';
      break;
    case 'check':
      return target.value ? 'PASS' : 'FAIL';
    default:
      status = 'info';
  }
  // Errors during a measurement make its figure meaningless, whatever it says; heavy load from
  // other processes makes it unreliable.
  if (row.errors > 0) return `${status}*`;
  return row.noise?.otherLoadPercentMax > NOISY_PERCENT && status !== 'info' ? `${status}?` : status;
}

function noiseText(noise) {
  if (noise === undefined) return '—';
  return `${noise.otherLoadPercentMean}%/${noise.otherLoadPercentMax}%${noise.otherLoadPercentMax > NOISY_PERCENT ? ' !' : ''}`;
}

export function formatTable(rows) {
  const header = ['benchmark', 'figure', 'direct', 'proxy', 'proxy/direct', 'target', 'other load', 'result'];
  const body = rows.map((row) =>
    row.status === 'SKIP' || row.status === 'ERROR'
      ? [row.bench, row.figure, '—', '—', '—', '—', '—', `${row.status}: ${row.note}`]
      : [row.bench, row.figure, number(row.direct, row.unit), number(row.proxy, row.unit), change(row), targetText(row.target, row.unit), noiseText(row.noise), row.status],
  );
  const widths = header.map((title, i) => Math.max(title.length, ...body.map((cells) => String(cells[i]).length)));
  const right = new Set([2, 3, 4, 5, 6]);
  const last = header.length - 1;
  const line = (cells) => cells.map((cell, i) => (i === last ? String(cell) : right.has(i) ? String(cell).padStart(widths[i]) : String(cell).padEnd(widths[i]))).join('  ');
  const rule = widths.map((w, i) => '─'.repeat(i === last ? Math.max(6, header[i].length) : w)).join('  ');
  const footer = [
    'other load: CPU used meanwhile by processes outside the benchmark, % of one core (mean/max over the measurements)',
  ];
  if (rows.some((row) => row.noise?.otherLoadPercentMax > NOISY_PERCENT)) {
    footer.push(`  ! / ? over ${NOISY_PERCENT}% of a core during a measurement: that figure is unreliable; run again on a quieter machine (or with --wait-quiet 60)`);
  }
  if (rows.some((row) => String(row.status).endsWith('*'))) footer.push('* errors during the measurement: see the notes');
  return [line(header), rule, ...body.map(line), '', ...footer].join('\n');
}

export function formatNotes(notes) {
  return notes.map((note) => `- ${note}`).join('\n');
}
