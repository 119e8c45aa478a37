// A leak that fills the server has not stopped: it has nowhere left to go.
import { describe, expect, it } from 'vitest'
import type { ConnectionGrowthFinding } from '../../../src/core/finding.js'
import type { TrackedFinding } from '../../../src/core/finding-tracker.js'
import { leakEvery, simulate, steadyPool, type SimulatedSession } from '../../support/simulation.js'

// 50 max_connections, 3 reserved: 47 usable. pgleak's own takes one, api three: 43 left for the leak.
const small = { maxConnections: 50 }

function growth(result: ReturnType<typeof simulate>): (ConnectionGrowthFinding & TrackedFinding) | undefined {
  return result.tracker.all().find((f): f is ConnectionGrowthFinding & TrackedFinding => f.kind === 'connection-growth')
}

describe('connection-growth at the limit', () => {
  it.each([0.5, 2, 5])('stays reported, as reached, while a leak of one connection every %s s holds the server full', (every) => {
    const result = simulate({ seconds: 900, sessions: [...leakEvery('leaky', every, every * 42), ...steadyPool('api', 3, 900)], settings: small })
    const finding = growth(result)
    expect(finding?.isActive).toBe(true)
    expect(finding?.severity).toBe('error')
    expect(finding?.evidence).toMatchObject({ limitReached: true, etaSeconds: 0, limit: { scope: 'server', connections: 47, limit: 47 } })
    expect(finding?.title).toMatch(/^leaky keeps opening connections it never closes: \+[\d.]+\/min, usable slots reached \(47 of 47\)$/)
  })

  it('says how long is left while there is room, and resolves once the leaked connections are closed', () => {
    const leaked: SimulatedSession[] = leakEvery('leaky', 2, 84).map((s) => ({ ...s, closeAt: 400 }))
    const rising = simulate({ seconds: 70, sessions: [...leaked, ...steadyPool('api', 3, 600)], settings: small })
    expect(growth(rising)?.evidence).toMatchObject({ limitReached: false })
    expect(growth(rising)?.title).toMatch(/usable slots gone in ~/)
    const restarted = simulate({ seconds: 600, sessions: [...leaked, ...steadyPool('api', 3, 600)], settings: small })
    expect(growth(restarted)?.isActive).toBe(false)
  })

  it('is not said of a steady pool that sits at the limit', () => {
    const full = simulate({ seconds: 600, sessions: steadyPool('api', 46, 600), settings: small })
    expect(growth(full)).toBeUndefined()
  })
})
