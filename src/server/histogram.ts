// Per-command latency histograms with the bucket layout of the HdrHistogram Redis 7.0 uses for
// INFO latencystats and LATENCY HISTOGRAM (1 ns .. 1 s, 2 significant figures), so that the
// percentiles we print are the very numbers Redis would print for the same durations: a 7 µs
// command shows p50=7.007 because 7000 ns falls in the bucket whose highest value is 7007 ns.
//
// Layout (unit 1 ns): 256 sub-buckets, the upper 128 of each bucket doubling the value range;
// 23 buckets reach past 1e9 ns, so 24 * 128 = 3072 counters. Recording is a clz, a shift and an
// increment: it runs once per command.

/** Redis's LATENCY_HISTOGRAM_MIN_VALUE / MAX_VALUE, in ns: durations are clamped into this range. */
const MIN_NS = 1;
const MAX_NS = 1_000_000_000;
const HALF_MAGNITUDE = 7;
const HALF = 1 << HALF_MAGNITUDE;
const SUB_MASK = 255;
export const COUNTS_LEN = 24 * HALF;

/** Index of the counter that a value (ns, an integer within 1..1e9) is counted in. */
export function indexOf(ns: number): number {
  const bucket = 32 - Math.clz32(ns | SUB_MASK) - (HALF_MAGNITUDE + 1);
  const sub = ns >>> bucket;
  return ((bucket + 1) << HALF_MAGNITUDE) + (sub - HALF);
}

/** The lowest value counted at `index`. */
function valueAt(index: number): number {
  let bucket = (index >> HALF_MAGNITUDE) - 1;
  let sub = (index & (HALF - 1)) + HALF;
  if (bucket < 0) {
    sub -= HALF;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}

/** The highest value counted together with `ns` (what HdrHistogram reports for a bucket). */
export function highestEquivalent(ns: number): number {
  const bucket = 32 - Math.clz32(ns | SUB_MASK) - (HALF_MAGNITUDE + 1);
  const sub = Math.floor(ns / 2 ** bucket);
  const size = 2 ** (sub >= 2 * HALF ? bucket + 1 : bucket);
  return sub * 2 ** bucket + size - 1;
}

export class Histogram {
  readonly counts = new Float64Array(COUNTS_LEN);
  total = 0;

  /** Records `times` command durations of `usec` µs each (Redis records whole µs, times 1000). */
  recordUsec(usec: number, times = 1): void {
    let ns = usec * 1000;
    if (ns < MIN_NS) ns = MIN_NS;
    else if (ns > MAX_NS) ns = MAX_NS;
    this.counts[indexOf(ns)] += times;
    this.total += times;
  }

  /** hdr_value_at_percentile: the value (ns) at the given percentile. */
  valueAtPercentile(percentile: number): number {
    const p = Math.min(percentile, 100);
    const wanted = Math.max(1, Math.floor((p / 100) * this.total + 0.5));
    let seen = 0;
    for (let i = 0; i < COUNTS_LEN; i++) {
      seen += this.counts[i];
      // As HdrHistogram: the 0th percentile is the lowest value of its bucket, the others the highest.
      if (seen >= wanted) return p === 0 ? valueAt(i) : highestEquivalent(valueAt(i));
    }
    return 0;
  }

  /**
   * LATENCY HISTOGRAM's buckets (HdrHistogram's logarithmic iteration from 1024 ns, base 2):
   * [µs, cumulative count] for each power of two where the cumulative count grew.
   */
  cumulativeBuckets(): [number, number][] {
    const out: [number, number][] = [];
    let level = 1024;
    let seen = 0;
    let previous = 0;
    let i = 0;
    while (previous < this.total) {
      // Every counter whose lowest value is at or below this level is included.
      while (i < COUNTS_LEN && valueAt(i) <= level) seen += this.counts[i++];
      if (seen > previous) out.push([Math.floor(highestEquivalent(level) / 1000), seen]);
      previous = seen;
      level *= 2;
    }
    return out;
  }
}
