// What pool and server logs look like over time, for charts: connections
// checked out of each pool, and server sessions opened and closed per minute
// per application. Bounded like the timeline's series: a week of logs keeps
// minute buckets, not every event.
import type { PoolEvent } from './pool-event.js'
import { extentOf } from './series-math.js'
import { CountSeries } from './timeline/count-series.js'

const MINUTE_MILLIS = 60_000
const SERIES_LIMITS = { recentWindowMillis: 15 * MINUTE_MILLIS, historyMillis: 7 * 24 * 3_600_000, bucketMillis: MINUTE_MILLIS }

export interface ActivitySeries {
  readonly name: string
  readonly points: readonly { readonly atMillis: number; readonly count: number }[]
}

export class PoolActivity {
  readonly #out = new Map<string, { count: number; series: CountSeries }>()
  readonly #perMinute = { opened: new Map<string, Map<number, number>>(), closed: new Map<string, Map<number, number>>() }

  ingest(event: PoolEvent): void {
    if (event.atMillis === null) return
    switch (event.type) {
      case 'checkout':
      case 'checkin':
      case 'dispose': {
        let pool = this.#out.get(event.pool)
        if (!pool) this.#out.set(event.pool, (pool = { count: 0, series: new CountSeries(SERIES_LIMITS) }))
        // A return the log never showed the checkout of (it began before the log) must not go below zero.
        pool.count = event.type === 'checkout' ? pool.count + 1 : event.type === 'checkin' ? Math.max(0, pool.count - 1) : 0
        pool.series.push(event.atMillis, pool.count)
        return
      }
      case 'session-start':
      case 'session-end': {
        const byApplication = event.type === 'session-start' ? this.#perMinute.opened : this.#perMinute.closed
        const application = event.application || '(no application_name)'
        let minutes = byApplication.get(application)
        if (!minutes) byApplication.set(application, (minutes = new Map()))
        const minute = event.atMillis - (event.atMillis % MINUTE_MILLIS)
        minutes.set(minute, (minutes.get(minute) ?? 0) + 1)
        return
      }
      default:
        return
    }
  }

  /** Connections checked out of each pool over time (beyond 15 minutes of log, each minute's highest). */
  checkedOut(): ActivitySeries[] {
    return [...this.#out].map(([name, pool]) => ({ name, points: pool.series.points().map((p) => ({ atMillis: p.atMillis, count: p.max })) }))
  }

  /** Server sessions opened (or closed) in each minute, per application; minutes without one count 0. */
  sessionsPerMinute(which: 'opened' | 'closed'): ActivitySeries[] {
    const byApplication = this.#perMinute[which]
    const span = extentOf([...this.#perMinute.opened.values(), ...this.#perMinute.closed.values()].flatMap((m) => [...m.keys()]))
    if (!span) return []
    const { min: first, max: last } = span
    return [...byApplication].map(([name, counts]) => {
      const points: { atMillis: number; count: number }[] = []
      for (let minute = first; minute <= last + MINUTE_MILLIS; minute += MINUTE_MILLIS) points.push({ atMillis: minute, count: counts.get(minute) ?? 0 })
      return { name, points }
    })
  }
}
