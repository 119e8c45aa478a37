import { describe, expect, it } from 'vitest'
import { detectAbandonedConnections, idleNeededSeconds } from '../../../src/core/detectors/abandoned-connections.js'
import type { Backend } from '../../../src/core/backend.js'
import { DEFAULT_THRESHOLDS } from '../../../src/core/thresholds.js'
import { backend, NOW, settings, snapshot } from '../../support/builders.js'
import { burstyPool, leakEvery, simulate, steadyPool } from '../../support/simulation.js'

/** A connection opened `openedSecondsAgo`, used once right after it connected, idle since. */
function usedOnce(application: string, openedSecondsAgo: number, overrides: Partial<Backend> = {}): Backend {
  return backend({ application, backendStartMillis: NOW - openedSecondsAgo * 1000, stateChangeMillis: NOW - openedSecondsAgo * 1000 + 8, queryStartMillis: NOW - openedSecondsAgo * 1000 + 2, ...overrides })
}

function detect(backends: Backend[]) {
  return detectAbandonedConnections({ snapshot: snapshot(backends), settings: settings(), thresholds: DEFAULT_THRESHOLDS, ignore: [], groupBy: ['app'] })
}

describe('abandoned-connections from one snapshot', () => {
  it('names the application of a full server whose connections were each opened close together and used once', () => {
    // 25 connections opened half a second apart over 12 s, the newest 2 s ago: what `audit` sees after "too many clients".
    const leaked = Array.from({ length: 25 }, (_, i) => usedOnce('flask-leaky', 2 + i * 0.5))
    const healthy = Array.from({ length: 2 }, () => backend({ application: 'web', ageSeconds: 3600, idleSeconds: 1 }))
    const [finding, ...rest] = detect([...leaked, ...healthy])
    expect(rest).toEqual([])
    expect(finding).toMatchObject({ severity: 'error', subject: { application: 'flask-leaky' }, title: 'flask-leaky left 18 connections idle and unused, and keeps opening new ones' })
    expect(finding?.evidence).toMatchObject({ usedOnceConnections: finding?.evidence.abandonedConnections, groupConnections: 25, openedOverSeconds: expect.any(Number) })
    // Those idle under 5 s do not count yet: the 18 idle 5 s to 14 s do.
    expect(finding?.evidence).toMatchObject({ abandonedConnections: 18, minIdleSeconds: 5, oldestIdleSeconds: 14 })
    expect(finding?.advice).toContain('each used once right after it connected')
    // Checkouts never returned look the same from the server: the advice covers both.
    expect(finding?.advice).toContain('engine.dispose()')
    expect(finding?.advice).toContain('client.release()')
  })

  it('says when the group has stopped opening connections: its pool full of checkouts never returned, or its traffic gone', () => {
    // Sixty checkouts never returned, one a second, the last a minute ago: the pool is at its size and opens no more.
    const [finding] = detect(Array.from({ length: 60 }, (_, i) => usedOnce('order-service', 60 + i)))
    expect(finding?.title).toBe('order-service left 58 connections idle and unused, and has opened none for 1m00s')
    expect(finding?.evidence.lastOpenedSecondsAgo).toBe(60)
    expect(finding?.advice).toContain('its pool is full of checkouts never returned')
  })

  it('stays quiet for a pool whose idle connections are reused, however many', () => {
    expect(detect(Array.from({ length: 30 }, () => backend({ application: 'api', ageSeconds: 3600, idleSeconds: 2 })))).toEqual([])
  })

  it('stays quiet for a pool that warmed up at once and has been idle since: it opened nothing after they went idle', () => {
    expect(detect(Array.from({ length: 15 }, (_, i) => usedOnce('api', 120 + i * 0.01)))).toEqual([])
  })

  it('leaves out LISTEN connections held on purpose', () => {
    const listeners = Array.from({ length: 10 }, (_, i) => usedOnce('notifier', 100 + i, { query: 'LISTEN jobs' }))
    expect(detect([...listeners, usedOnce('notifier', 1)])).toEqual([])
  })

  it('asks for less idle time the more connections there are', () => {
    expect(idleNeededSeconds(2, 60)).toBe(60)
    expect(idleNeededSeconds(4, 60)).toBe(20)
    expect(idleNeededSeconds(8, 60)).toBe(10)
    expect(idleNeededSeconds(40, 60)).toBe(5)
    // Scaled from the threshold: a patient --abandoned-after asks for more, a short one never for under 5 s.
    expect(idleNeededSeconds(8, 600)).toBe(100)
    expect(idleNeededSeconds(8, 6)).toBe(5)
    expect(idleNeededSeconds(2, 3)).toBe(3)
    // Three connections idle 30 s are not enough yet; four idle 20 s are.
    expect(detect([usedOnce('a', 40), usedOnce('a', 38), usedOnce('a', 36), usedOnce('a', 1)])).toEqual([])
    expect(detect([usedOnce('a', 24), usedOnce('a', 23), usedOnce('a', 22), usedOnce('a', 21), usedOnce('a', 1)])).toHaveLength(1)
  })
})

describe('abandoned-connections over time', () => {
  const small = { maxConnections: 30 } // 27 usable

  it('names a leak of two connections a second within 15 s, and still names it once the server is full', () => {
    // It fills 26 slots in 13 s and can open no more after that.
    const result = simulate({ seconds: 60, sessions: leakEvery('flask-leaky', 0.5, 12.5), settings: small })
    expect(result.firstReportedAt['abandoned-connections']).toBeLessThanOrEqual(15)
    const active = result.tracker.active()
    expect(active.find((f) => f.kind === 'abandoned-connections')).toMatchObject({ severity: 'error', subject: { application: 'flask-leaky' } })
    expect(active.find((f) => f.kind === 'headroom')).toMatchObject({ subject: { application: 'flask-leaky' }, evidence: { isFull: true } })
    expect(active.some((f) => f.kind === 'pool-sizing')).toBe(false)
  })

  it('names one connection every three seconds later, on more evidence', () => {
    const result = simulate({ seconds: 90, sessions: leakEvery('report-worker', 3, 90) })
    expect(result.firstReportedAt['abandoned-connections']).toBeGreaterThanOrEqual(20)
    expect(result.firstReportedAt['abandoned-connections']).toBeLessThanOrEqual(40)
  })

  it('stays quiet on a steady pool and on a pool bursting from 5 to 15 and back every 8 s', () => {
    expect(simulate({ seconds: 300, sessions: steadyPool('web', 10, 300) }).tracker.all()).toEqual([])
    expect(simulate({ seconds: 300, sessions: burstyPool('web', 5, 15, 8, 300) }).tracker.all()).toEqual([])
  })
})
