import { describe, expect, it } from 'vitest'
import { detectHeadroom } from '../../../src/core/detectors/headroom.js'
import type { ServerSettings } from '../../../src/core/snapshot.js'
import { DEFAULT_THRESHOLDS } from '../../../src/core/thresholds.js'
import type { Backend } from '../../../src/core/backend.js'
import { backend, backgroundProcess, hiddenBackend, settings, snapshot } from '../../support/builders.js'

function clients(count: number, overrides: Parameters<typeof backend>[0] = {}): Backend[] {
  return Array.from({ length: count }, () => backend(overrides))
}

function run(backends: Backend[], overrides: Partial<ServerSettings> = {}) {
  return detectHeadroom({ snapshot: snapshot(backends), settings: settings(overrides), thresholds: DEFAULT_THRESHOLDS, ignore: [], groupBy: ['app'] })
}

describe('detectHeadroom', () => {
  it('stays quiet well below the usable slots', () => {
    expect(run(clients(50))).toEqual([])
  })

  it('warns at 75% and errs at 90% of the usable slots, which leave out the reserved ones, counting pgleak\'s own slot', () => {
    expect(run(clients(71))).toEqual([])
    const [warning] = run(clients(71), { reservedConnections: 2 }) // 71 + pgleak of 95
    expect(warning).toMatchObject({ severity: 'warning', evidence: { scope: 'server', connections: 71, ownConnections: 1, limit: 95, freeSlots: 23, isFull: false } })
    const [error] = run(clients(87))
    expect(error).toMatchObject({ severity: 'error', title: '88 of 97 usable connection slots in use (90.7%) (api holds 87)' })
    expect(error?.advice).toContain('too many clients already')
  })

  it('says the server is full when pgleak\'s session takes the last usable slot, and names who holds the rest', () => {
    const holders = [...clients(22, { application: 'flask-leaky', idleSeconds: 20 }), ...clients(3, { application: 'web', state: 'active' }), ...clients(1, { application: 'web' })]
    const [finding] = run(holders, { maxConnections: 30 }) // 26 + pgleak of 27
    expect(finding).toMatchObject({
      severity: 'error',
      subject: { application: 'flask-leaky' },
      evidence: { connections: 26, freeSlots: 0, isFull: true },
    })
    expect(finding?.title).toBe("the server is full: 26 connections and pgleak's own take all 27 usable slots (flask-leaky holds 22)")
    expect(finding?.kind === 'headroom' && finding.evidence.holders.map((h) => [h.group, h.connections, h.idle, h.active])).toEqual([
      ['flask-leaky', 22, 22, 0],
      ['web', 4, 1, 3],
    ])
    expect(finding?.advice).toContain('Ordinary roles are being refused now')
    expect(finding?.advice).toContain('Held by flask-leaky 22 (22 idle), web 4 (1 idle, 3 active)')
    // The cleanup targets the sessions that hold the slots: the leaky application's idle ones.
    expect(finding?.advice).toContain("WHERE application_name = 'flask-leaky' AND state = 'idle' AND state_change < now() - interval '1 minute'")
    expect(finding?.advice).not.toMatch(/find the application/i)
  })

  it('names no one group when none holds most of the slots, but lists the holders', () => {
    const [finding] = run([...clients(30, { application: 'a' }), ...clients(30, { application: 'b' }), ...clients(30, { application: 'c' })])
    expect(finding?.subject.application).toBeNull()
    expect(finding?.advice).toContain('Held by a 30 (30 idle), b 30 (30 idle), c 30 (30 idle)')
    expect(finding?.advice).toContain('the sum of the pools is too big')
  })

  it('names the dominant holder in the title whatever the grouping', () => {
    const backends = [...clients(80, { clientAddr: '10.0.0.9' }), ...clients(8, { clientAddr: '10.0.0.4' })]
    const [finding] = detectHeadroom({ snapshot: snapshot(backends), settings: settings(), thresholds: DEFAULT_THRESHOLDS, ignore: [], groupBy: ['client'] })
    expect(finding?.title).toBe('89 of 97 usable connection slots in use (91.8%) (client 10.0.0.9 holds 80)')
    expect(finding?.subject).toMatchObject({ application: null, client: '10.0.0.9' })
  })

  it('counts a group\'s connections opened in the last minute', () => {
    const [finding] = run([...clients(60, { ageSeconds: 30 }), ...clients(20, { ageSeconds: 3600 })])
    expect(finding?.kind === 'headroom' && finding.evidence.holders[0]).toMatchObject({ connections: 80, openedLastMinute: 60 })
  })

  it('does not count background processes and walsenders against the slots', () => {
    const others = [...Array.from({ length: 30 }, () => backgroundProcess('parallel worker')), ...Array.from({ length: 10 }, () => backgroundProcess('walsender'))]
    expect(run([...clients(60), ...others])).toEqual([])
  })

  it('counts sessions it cannot see, and says how many', () => {
    const [finding] = run([...clients(60), ...Array.from({ length: 20 }, () => hiddenBackend())])
    expect(finding?.evidence).toMatchObject({ connections: 80, hiddenConnections: 20 })
    expect(finding?.kind === 'headroom' && finding.evidence.holders.map((h) => h.connections)).toEqual([80])
  })

  it('reports a role near its CONNECTION LIMIT', () => {
    const [finding] = run([...clients(9, { user: 'reporting' }), ...clients(5)], { roleConnectionLimits: { reporting: 10, idle_role: 5 } })
    expect(finding).toMatchObject({
      severity: 'error',
      subject: { user: 'reporting' },
      evidence: { scope: 'role', connections: 9, limit: 10 },
    })
  })

  it('reports a database near its CONNECTION LIMIT', () => {
    const [finding] = run(clients(4, { database: 'tenant_7' }), { databaseConnectionLimits: { tenant_7: 5 } })
    expect(finding).toMatchObject({ severity: 'warning', subject: { database: 'tenant_7' }, evidence: { scope: 'database', usagePercent: 80 } })
  })
})
