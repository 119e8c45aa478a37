import { describe, expect, it } from 'vitest'
import { isAtLeast } from '../../../src/core/finding.js'
import { burstyPool, leakEvery, simulate, steadyPool } from '../../support/simulation.js'

const LEAK_KINDS = ['connection-growth', 'abandoned-connections', 'pool-imbalance', 'multiple-pools', 'leftover-connections']
const small = { maxConnections: 30 } // 27 usable

describe('pool-sizing', () => {
  it('calls pools that burst to the server\'s limit every 10 s and come back down sizing, naming the group, never a leak', () => {
    // Four processes' pools: 17 connections between bursts, 26 (+ pgleak = all 27 slots) during them.
    const result = simulate({ seconds: 120, sessions: burstyPool('orders-api', 17, 26, 10, 120), settings: small })
    const sizing = result.tracker.all().find((f) => f.kind === 'pool-sizing')
    expect(sizing).toMatchObject({ severity: 'error', subject: { application: 'orders-api' } })
    expect(sizing?.kind === 'pool-sizing' && sizing.evidence).toMatchObject({ peakConnections: 26, floorConnections: 17, serverPeakConnections: 27, usableSlots: 27 })
    expect(sizing?.title).toContain('not a leak')
    expect(result.firstReportedAt['pool-sizing']).toBeLessThanOrEqual(25)
    expect(result.tracker.all().filter((f) => LEAK_KINDS.includes(f.kind) && isAtLeast(f.severity, 'warning'))).toEqual([])
  })

  it('is not said of a leak pinned at the limit, nor of a pool that never comes near it', () => {
    const pinned = simulate({ seconds: 90, sessions: leakEvery('flask-leaky', 0.5, 12.5), settings: small })
    expect(pinned.tracker.all().some((f) => f.kind === 'pool-sizing')).toBe(false)
    const roomy = simulate({ seconds: 120, sessions: [...burstyPool('web', 5, 15, 8, 120), ...steadyPool('worker', 3, 120)] })
    expect(roomy.tracker.all()).toEqual([])
  })
})
