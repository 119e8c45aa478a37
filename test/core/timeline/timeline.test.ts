import { describe, expect, it } from 'vitest'
import { CountSeries } from '../../../src/core/timeline/count-series.js'
import { Timeline } from '../../../src/core/timeline/timeline.js'
import { backend, NOW } from '../../support/builders.js'

describe('CountSeries', () => {
  it('keeps every sample of the last 15 minutes and a minute bucket beyond, so two days of 1 s polls stay small', () => {
    const series = new CountSeries()
    for (let second = 0; second < 2 * 86_400; second++) series.push(NOW + second * 1000, second % 7)
    const points = series.points()
    expect(points.length).toBeLessThanOrEqual(24 * 60 + 15 * 60 + 2)
    expect(points.length).toBeGreaterThan(24 * 60)
    // Buckets keep the floor: the lowest count of their minute.
    expect(points[0]).toMatchObject({ min: 0, max: 6 })
    expect(series.latest).toBe((2 * 86_400 - 1) % 7)
  })

  it('answers for a time range, buckets first', () => {
    const series = new CountSeries()
    for (let second = 0; second < 3600; second++) series.push(NOW + second * 1000, second < 1800 ? 1 : 2)
    const lastTenMinutes = series.points(NOW + 3000 * 1000)
    expect(lastTenMinutes).toHaveLength(600)
    expect(lastTenMinutes.every((p) => p.min === 2)).toBe(true)
  })
})

describe('Timeline', () => {
  it('holds only the sessions alive now, however many came and went', () => {
    const timeline = new Timeline({ groupBy: ['app'] })
    for (let second = 0; second < 600; second++) {
      // 1,000 sessions, a tenth of them replaced every second.
      const backends = Array.from({ length: 1000 }, (_, i) => {
        const generation = Math.floor((second + i) / 10)
        return backend({ pid: i * 1000 + (generation % 1000), application: `app-${i % 20}`, backendStartMillis: NOW + generation * 10_000 })
      })
      timeline.ingest({ sampledAtMillis: NOW + second * 1000, backends })
    }
    expect([...timeline.sessions]).toHaveLength(1000)
    expect([...timeline.groups]).toHaveLength(20)
    const opened = [...timeline.groups].reduce((sum, g) => sum + g.churn.since(NOW).opened, 0)
    expect(opened).toBeGreaterThan(50_000)
  })

  it('does not count the sessions found at the start, or after a gap, as opened', () => {
    const timeline = new Timeline({ groupBy: ['app'] })
    const sessions = [backend({ pid: 1 }), backend({ pid: 2 })]
    timeline.ingest({ sampledAtMillis: NOW, backends: sessions })
    timeline.ingest({ sampledAtMillis: NOW + 1000, backends: sessions })
    timeline.markGap(NOW + 1000, NOW + 5000, 'server restarted')
    timeline.ingest({ sampledAtMillis: NOW + 5000, backends: [backend({ pid: 3 })] })
    const group = [...timeline.groups][0]!
    expect(group.churn.since(NOW)).toMatchObject({ opened: 0, closed: 0 })
    expect(timeline.continuousSinceMillis).toBe(NOW + 5000)
  })

  it('carries a quiet poll (the very same session objects) forward: its counts, and the life of a session that goes after it', () => {
    const timeline = new Timeline({ groupBy: ['app'] })
    const opener = backend({ pid: 1, application: 'api', backendStartMillis: NOW })
    const keeper = backend({ pid: 2, application: 'api', backendStartMillis: NOW })
    const worker = backend({ pid: 3, application: 'worker', backendStartMillis: NOW })
    timeline.ingest({ sampledAtMillis: NOW, backends: [keeper, worker] })
    // A session opened in front of us, then ten quiet polls: the reader hands back the same objects.
    const quiet = [keeper, worker, opener]
    for (let second = 1; second <= 10; second++) timeline.ingest({ sampledAtMillis: NOW + second * 1000, backends: [...quiet] })
    const api = [...timeline.groups].find((g) => g.key.app === 'api')!
    expect(api.series.latest).toBe(2)
    expect(api.churn.since(NOW)).toMatchObject({ opened: 1, closed: 0 })
    expect(timeline.serverSeries.latest).toBe(3)
    // Gone by 12 s: last seen on the quiet poll at 10 s, so it ended about 11 s after it started.
    timeline.ingest({ sampledAtMillis: NOW + 12_000, backends: [keeper, worker] })
    expect(api.series.latest).toBe(1)
    expect(api.churn.since(NOW)).toMatchObject({ opened: 1, closed: 1, lifetimesSeconds: [11] })
    expect([...timeline.sessions].map((s) => s.pid).sort()).toEqual([2, 3])
  })

  it('counts the snapshots that moved something: a session opened, closed or changed, or sessions established unseen', () => {
    const timeline = new Timeline({ groupBy: ['app'] })
    const api = backend({ pid: 1, application: 'api', backendStartMillis: NOW })
    const at = (second: number, backends = [api], sessionsEstablished = 10) => timeline.ingest({ sampledAtMillis: NOW + second * 1000, backends, sessionsEstablished })
    at(0)
    at(1)
    at(2)
    expect(timeline.changes).toBe(1)
    // Connections shorter than a poll: none seen, but the server counted them.
    at(3, [api], 14)
    expect(timeline.changes).toBe(2)
    at(4, [api], 14)
    at(5, [{ ...api, state: 'active' }], 14)
    expect(timeline.changes).toBe(3)
  })
})
