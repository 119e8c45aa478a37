import { describe, expect, it } from 'vitest'
import { detectHeadroom } from '../../../src/core/detectors/headroom.js'
import type { ServerSettings } from '../../../src/core/snapshot.js'
import { DEFAULT_THRESHOLDS } from '../../../src/core/thresholds.js'
import type { Backend } from '../../../src/core/backend.js'
import { backend, backgroundProcess, hiddenBackend, settings, snapshot } from '../../support/builders.js'

function clients(count: number, overrides: Partial<Backend> = {}): Backend[] {
  return Array.from({ length: count }, () => backend(overrides))
}

function run(backends: Backend[], overrides: Partial<ServerSettings> = {}) {
  return detectHeadroom({ snapshot: snapshot(backends), settings: settings(overrides), thresholds: DEFAULT_THRESHOLDS, ignore: [] })
}

describe('detectHeadroom', () => {
  it('stays quiet well below the usable slots', () => {
    expect(run(clients(50))).toEqual([])
  })

  it('warns at 75% and errs at 90% of the usable slots, which leave out the reserved ones', () => {
    expect(run(clients(72))).toEqual([])
    const [warning] = run(clients(72), { reservedConnections: 2 }) // 72 of 95
    expect(warning).toMatchObject({ severity: 'warning', evidence: { scope: 'server', connections: 72, limit: 95, freeSlots: 23 } })
    const [error] = run(clients(88))
    expect(error).toMatchObject({ severity: 'error', title: '88 of 97 usable connection slots in use (90.7%)' })
    expect(error?.advice).toContain('too many clients already')
  })

  it('does not count background processes and walsenders against the slots', () => {
    const others = [...Array.from({ length: 30 }, () => backgroundProcess('parallel worker')), ...Array.from({ length: 10 }, () => backgroundProcess('walsender'))]
    expect(run([...clients(60), ...others])).toEqual([])
  })

  it('counts sessions it cannot see, and says how many', () => {
    const [finding] = run([...clients(60), ...Array.from({ length: 20 }, () => hiddenBackend())])
    expect(finding?.evidence).toMatchObject({ connections: 80, hiddenConnections: 20 })
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
