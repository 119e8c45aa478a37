// The arithmetic the time-based detectors share.
import type { SeriesPoint } from './timeline/count-series.js'

export interface LinearFit {
  /** Change per millisecond. */
  readonly slope: number
  readonly intercept: number
  /** How well a straight line explains the points, 0 to 1. */
  readonly r2: number
}

export function linearFit(xs: readonly number[], ys: readonly number[]): LinearFit {
  const n = xs.length
  if (n < 2) return { slope: 0, intercept: ys[0] ?? 0, r2: 0 }
  let sumX = 0
  let sumY = 0
  for (let i = 0; i < n; i++) {
    sumX += xs[i]!
    sumY += ys[i]!
  }
  const meanX = sumX / n
  const meanY = sumY / n
  let sxx = 0
  let sxy = 0
  let syy = 0
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - meanX
    const dy = ys[i]! - meanY
    sxx += dx * dx
    sxy += dx * dy
    syy += dy * dy
  }
  if (sxx === 0) return { slope: 0, intercept: meanY, r2: 0 }
  const slope = sxy / sxx
  return { slope, intercept: meanY - slope * meanX, r2: syy === 0 ? 0 : (sxy * sxy) / (sxx * syy) }
}

/**
 * The floor of a series: at each point, the lowest count over the window
 * before it. Bursts that come back down within the window leave it flat;
 * connections that are never closed lift it for good.
 */
export function trailingMinimum(points: readonly SeriesPoint[], windowMillis: number): SeriesPoint[] {
  const floor: SeriesPoint[] = []
  const deque: number[] = []
  for (let i = 0; i < points.length; i++) {
    const point = points[i]!
    while (deque.length > 0 && points[deque[deque.length - 1]!]!.min >= point.min) deque.pop()
    deque.push(i)
    while (points[deque[0]!]!.atMillis < point.atMillis - windowMillis) deque.shift()
    const min = points[deque[0]!]!.min
    floor.push({ atMillis: point.atMillis, min, max: min })
  }
  return floor
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** Extremes of the points inside [fromMillis, toMillis]. */
export function rangeOf(points: readonly SeriesPoint[], fromMillis: number, toMillis: number): { min: number; max: number } | undefined {
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  for (const point of points) {
    if (point.atMillis < fromMillis || point.atMillis > toMillis) continue
    min = Math.min(min, point.min)
    max = Math.max(max, point.max)
  }
  return Number.isFinite(min) ? { min, max } : undefined
}

/**
 * The lowest and highest of `values`, or undefined for none. A loop, not Math.min(...values): a
 * spread of a week of minutes or a day of polls overflows the call stack.
 */
export function extentOf(values: Iterable<number>): { min: number; max: number } | undefined {
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  for (const value of values) {
    if (value < min) min = value
    if (value > max) max = value
  }
  return min <= max ? { min, max } : undefined
}

/**
 * The highest count in each of `spans` equal stretches from `fromMillis` to `toMillis` (a stretch no
 * point fell in carries the one before): a climb of minutes in a dozen cells, its peaks kept.
 */
export function highestPerSpan(points: readonly SeriesPoint[], fromMillis: number, toMillis: number, spans: number): number[] {
  const spanMillis = Math.max(1, (toMillis - fromMillis) / spans)
  const highest: (number | undefined)[] = new Array<number | undefined>(spans).fill(undefined)
  for (const point of points) {
    if (point.atMillis < fromMillis || point.atMillis > toMillis) continue
    const index = Math.min(spans - 1, Math.floor((point.atMillis - fromMillis) / spanMillis))
    highest[index] = Math.max(highest[index] ?? Number.NEGATIVE_INFINITY, point.max)
  }
  const counts: number[] = []
  for (const value of highest) counts.push(value ?? counts[counts.length - 1] ?? 0)
  return counts
}
