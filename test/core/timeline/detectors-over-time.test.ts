// The time-based detectors on synthetic workloads with exact timing. The same
// detectors on timelines recorded from a real server are tested in
// test/recordings; live against a real server in test/integration/watch.
import { describe, expect, it } from 'vitest'
import { burstyPool, connectionPerRequest, leakEvery, simulate, steadyPool } from '../../support/simulation.js'

describe('connection-growth', () => {
  it('reports a group gaining one idle connection every 5 s within 60 s at a 1 s interval', () => {
    const result = simulate({ seconds: 60, sessions: [...steadyPool('web', 5, 60), ...leakEvery('leaky-worker', 5, 60)] })
    expect(result.firstReportedAt['connection-growth']).toBeLessThanOrEqual(60)
    const growth = result.tracker.active().filter((f) => f.kind === 'connection-growth')
    expect(growth).toHaveLength(1)
    expect(growth[0]).toMatchObject({ subject: { application: 'leaky-worker' }, evidence: { slopePerMinute: expect.any(Number) } })
    const evidence = growth[0]!.kind === 'connection-growth' ? growth[0]!.evidence : undefined
    expect(evidence?.slopePerMinute).toBeGreaterThan(8)
    expect(evidence?.slopePerMinute).toBeLessThan(16)
    expect(evidence?.limit).toMatchObject({ scope: 'server', limit: 97 })
    expect(evidence?.etaSeconds).toBeGreaterThan(0)
  })

  it('stays quiet for a pool that bursts from 5 to 15 and back every 10 s for 10 minutes', () => {
    const result = simulate({ seconds: 600, sessions: burstyPool('api', 5, 15, 10, 600) })
    expect(result.tracker.all().filter((f) => f.kind === 'connection-growth')).toEqual([])
  })

  it('stays quiet for a pool that warms up to 10 connections and levels off', () => {
    const warming = Array.from({ length: 10 }, (_, i) => ({ id: 50_000 + i, application: 'api', openAt: i * 3, queriesAt: Array.from({ length: 300 }, (_, s) => s) }))
    const result = simulate({ seconds: 300, sessions: warming })
    expect(result.tracker.all().filter((f) => f.kind === 'connection-growth')).toEqual([])
  })

  it('finds a slow leak, one connection a minute, on a long watch', () => {
    const result = simulate({ seconds: 3600, intervalSeconds: 5, sessions: [...steadyPool('web', 5, 3600), ...leakEvery('cron-worker', 60, 3600)] })
    expect(result.firstReportedAt['connection-growth']).toBeLessThan(1800)
    expect(result.tracker.active().map((f) => [f.kind, f.subject.application])).toContainEqual(['connection-growth', 'cron-worker'])
  })

  it('is an error when the usable slots run out within the hour at this rate', () => {
    const result = simulate({ seconds: 120, settings: { maxConnections: 40 }, sessions: leakEvery('leaky-worker', 2, 120) })
    expect(result.tracker.active().find((f) => f.kind === 'connection-growth')?.severity).toBe('error')
  })
})

describe('churn', () => {
  it('reports a connection per request, and no connection-growth', () => {
    const result = simulate({ seconds: 120, sessions: [...steadyPool('web', 3, 120), ...connectionPerRequest('flask-app', 5, 0.3, 120)] })
    const kinds = result.tracker.all().map((f) => [f.kind, f.subject.application])
    expect(kinds).toEqual([['churn', 'flask-app']])
    const churn = result.tracker.all()[0]
    expect(churn?.kind === 'churn' && churn.evidence.medianLifeSeconds).toBeLessThanOrEqual(2)
  })

  it('stays quiet for long-lived connections that come and go slowly', () => {
    const result = simulate({ seconds: 300, sessions: connectionPerRequest('batch', 0.2, 20, 300) })
    expect(result.tracker.all()).toEqual([])
  })
})

describe('abandoned-connections', () => {
  it('reports idle connections never used again while the group opens new ones', () => {
    const result = simulate({ seconds: 180, sessions: leakEvery('test-suite', 10, 180) })
    const abandoned = result.tracker.active().find((f) => f.kind === 'abandoned-connections')
    expect(abandoned).toMatchObject({ subject: { application: 'test-suite' } })
    expect(abandoned?.kind === 'abandoned-connections' && abandoned.evidence.abandonedConnections).toBeGreaterThanOrEqual(10)
  })

  it('stays quiet for a pool whose idle connections are reused', () => {
    expect(simulate({ seconds: 300, sessions: steadyPool('web', 10, 300) }).tracker.all()).toEqual([])
  })
})

describe('connection-growth and pools warming up', () => {
  it('stays quiet while twelve worker processes open their first connection one after another and reuse it', () => {
    // Worker i gets its first request at 8i s and connects; it serves again every 20 s. (At lower traffic, a
    // worker reused only every 48 s, the first minute cannot be told from a slow leak: see the README.)
    const workers = Array.from({ length: 12 }, (_, i) => ({
      id: 90_000 + i,
      application: 'quiet-workers',
      openAt: 8 * i,
      queriesAt: Array.from({ length: 10 }, (_, k) => 8 * i + 20 * k),
    }))
    const result = simulate({ seconds: 150, sessions: workers })
    expect(result.tracker.all().filter((f) => f.kind === 'connection-growth')).toEqual([])
  })

  it('still names connections opened at the same pace and never used again', () => {
    const leaked = Array.from({ length: 12 }, (_, i) => ({ id: 91_000 + i, application: 'quiet-workers', openAt: 8 * i, queriesAt: [8 * i] }))
    const result = simulate({ seconds: 150, sessions: leaked })
    expect(result.tracker.all().find((f) => f.kind === 'connection-growth')).toMatchObject({ subject: { application: 'quiet-workers' } })
  })
})
