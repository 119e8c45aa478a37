// Sessions opened and closed per minute, with the lives of the closed ones:
// what churn is judged on. Bounded: fifteen minute-buckets, and at most a
// few hundred lifetimes each (a sample is enough for a median).

const BUCKET_MILLIS = 60_000
const KEPT_BUCKETS = 15
const LIFETIMES_PER_BUCKET = 256

interface ChurnBucket {
  readonly startMillis: number
  opened: number
  closed: number
  /** Polls that found at least one session closed: closes found together come from one burst's end. */
  closeBatches: number
  readonly lifetimesSeconds: number[]
}

export interface ChurnTotals {
  readonly opened: number
  readonly closed: number
  readonly closeBatches: number
  readonly lifetimesSeconds: readonly number[]
}

export class SessionChurn {
  readonly #buckets: ChurnBucket[] = []
  #lastClosedAtMillis = Number.NaN
  /** Every session seen opening and closing since the timeline began: counters for Prometheus, which takes their rate. */
  openedTotal = 0
  closedTotal = 0

  #bucketAt(atMillis: number): ChurnBucket {
    const startMillis = atMillis - (atMillis % BUCKET_MILLIS)
    let bucket = this.#buckets[this.#buckets.length - 1]
    if (!bucket || bucket.startMillis !== startMillis) {
      bucket = { startMillis, opened: 0, closed: 0, closeBatches: 0, lifetimesSeconds: [] }
      this.#buckets.push(bucket)
      if (this.#buckets.length > KEPT_BUCKETS) this.#buckets.shift()
    }
    return bucket
  }

  recordOpened(atMillis: number): void {
    this.openedTotal++
    this.#bucketAt(atMillis).opened++
  }

  recordClosed(atMillis: number, lifetimeSeconds: number): void {
    const bucket = this.#bucketAt(atMillis)
    this.closedTotal++
    bucket.closed++
    if (atMillis !== this.#lastClosedAtMillis) bucket.closeBatches++
    this.#lastClosedAtMillis = atMillis
    if (bucket.lifetimesSeconds.length < LIFETIMES_PER_BUCKET) bucket.lifetimesSeconds.push(lifetimeSeconds)
  }

  /** Totals over the buckets that overlap [sinceMillis, now]. */
  since(sinceMillis: number): ChurnTotals {
    let opened = 0
    let closed = 0
    let closeBatches = 0
    const lifetimesSeconds: number[] = []
    for (const bucket of this.#buckets) {
      if (bucket.startMillis + BUCKET_MILLIS <= sinceMillis) continue
      opened += bucket.opened
      closed += bucket.closed
      closeBatches += bucket.closeBatches
      lifetimesSeconds.push(...bucket.lifetimesSeconds)
    }
    return { opened, closed, closeBatches, lifetimesSeconds }
  }
}
