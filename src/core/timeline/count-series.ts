// A bounded count-over-time series: every sample for a recent window, and
// one bucket per minute (min, max) beyond it, so a 24-hour watch keeps
// about 1,500 numbers per series however often it polls. The minimum is what
// leak detection needs most: a rising floor.

export interface SeriesPoint {
  readonly atMillis: number
  /** The lowest count in the point's span (the sample itself for recent points). */
  readonly min: number
  readonly max: number
}

interface Bucket {
  startMillis: number
  min: number
  max: number
}

export interface SeriesLimits {
  /** How long every sample is kept. (Default: 15 minutes.) */
  readonly recentWindowMillis: number
  /** How long minute buckets are kept. (Default: 24 hours.) */
  readonly historyMillis: number
  readonly bucketMillis: number
}

export const DEFAULT_SERIES_LIMITS: SeriesLimits = Object.freeze({
  recentWindowMillis: 15 * 60_000,
  historyMillis: 24 * 3_600_000,
  bucketMillis: 60_000,
})

export class CountSeries {
  readonly #limits: SeriesLimits
  // Parallel arrays rather than objects: a thousand series of 900 samples stay small and fast.
  #times: number[] = []
  #counts: number[] = []
  #start = 0
  readonly #history: Bucket[] = []

  constructor(limits: SeriesLimits = DEFAULT_SERIES_LIMITS) {
    this.#limits = limits
  }

  get latest(): number | undefined {
    return this.#counts.length > this.#start ? this.#counts[this.#counts.length - 1] : undefined
  }

  push(atMillis: number, count: number): void {
    this.#times.push(atMillis)
    this.#counts.push(count)
    const recentFrom = atMillis - this.#limits.recentWindowMillis
    while (this.#start < this.#times.length && this.#times[this.#start]! < recentFrom) {
      this.#downsample(this.#times[this.#start]!, this.#counts[this.#start]!)
      this.#start++
    }
    // Compact now and then instead of shifting on every push.
    if (this.#start > 1024 && this.#start * 2 > this.#times.length) {
      this.#times = this.#times.slice(this.#start)
      this.#counts = this.#counts.slice(this.#start)
      this.#start = 0
    }
    const historyFrom = atMillis - this.#limits.historyMillis
    while (this.#history.length > 0 && this.#history[0]!.startMillis < historyFrom) this.#history.shift()
  }

  #downsample(atMillis: number, count: number): void {
    const startMillis = atMillis - (atMillis % this.#limits.bucketMillis)
    const last = this.#history[this.#history.length - 1]
    if (last && last.startMillis === startMillis) {
      last.min = Math.min(last.min, count)
      last.max = Math.max(last.max, count)
    } else {
      this.#history.push({ startMillis, min: count, max: count })
    }
  }

  /** Points from `sinceMillis` on, oldest first: minute buckets, then every recent sample. */
  points(sinceMillis = Number.NEGATIVE_INFINITY): SeriesPoint[] {
    const points: SeriesPoint[] = []
    for (const bucket of this.#history) {
      if (bucket.startMillis + this.#limits.bucketMillis <= sinceMillis) continue
      points.push({ atMillis: bucket.startMillis, min: bucket.min, max: bucket.max })
    }
    for (let i = this.#start; i < this.#times.length; i++) {
      const atMillis = this.#times[i]!
      if (atMillis < sinceMillis) continue
      const count = this.#counts[i]!
      points.push({ atMillis, min: count, max: count })
    }
    return points
  }

  /**
   * Lowest and highest count in [fromMillis, toMillis] (buckets by their min and max), without building
   * points: the detectors ask this of every group on every evaluation.
   */
  range(fromMillis: number, toMillis: number): { min: number; max: number } | undefined {
    let min = Number.POSITIVE_INFINITY
    let max = Number.NEGATIVE_INFINITY
    for (const bucket of this.#history) {
      if (bucket.startMillis + this.#limits.bucketMillis <= fromMillis || bucket.startMillis > toMillis) continue
      if (bucket.min < min) min = bucket.min
      if (bucket.max > max) max = bucket.max
    }
    for (let i = this.#times.length - 1; i >= this.#start; i--) {
      const atMillis = this.#times[i]!
      if (atMillis > toMillis) continue
      if (atMillis < fromMillis) break
      const count = this.#counts[i]!
      if (count < min) min = count
      if (count > max) max = count
    }
    return Number.isFinite(min) ? { min, max } : undefined
  }

  /** The first recent sample at or after `millis`, for a change per minute. */
  firstSince(millis: number): { atMillis: number; count: number } | undefined {
    for (let i = this.#start; i < this.#times.length; i++) if (this.#times[i]! >= millis) return { atMillis: this.#times[i]!, count: this.#counts[i]! }
    return undefined
  }

  /** The last `count` recent samples, for sparklines. */
  recentCounts(count: number): number[] {
    return this.#counts.slice(Math.max(this.#start, this.#counts.length - count))
  }
}
