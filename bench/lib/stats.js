// Percentiles by nearest rank over the raw samples (a few tens of thousands at most).

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

const round3 = (v) => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : v === Infinity ? 'Infinity' : v);

/** p50/p90/p99/p99.9/max/mean of samples; Infinity marks a request that never completed. */
export function summarize(samples) {
  const sorted = Float64Array.from(samples).sort();
  const finite = sorted.filter(Number.isFinite);
  const mean = finite.reduce((a, b) => a + b, 0) / (finite.length || 1);
  return {
    count: sorted.length,
    p50: round3(percentile(sorted, 50)),
    p90: round3(percentile(sorted, 90)),
    p99: round3(percentile(sorted, 99)),
    p999: round3(percentile(sorted, 99.9)),
    max: round3(sorted[sorted.length - 1]),
    mean: round3(mean),
  };
}

export function mean(values) {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
