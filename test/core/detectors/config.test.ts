import { describe, expect, it } from 'vitest'
import { detectConfig } from '../../../src/core/detectors/config.js'
import type { ServerSettings } from '../../../src/core/snapshot.js'
import { DEFAULT_THRESHOLDS } from '../../../src/core/thresholds.js'
import type { Backend } from '../../../src/core/backend.js'
import { backend, idleInTransaction, settings, snapshot } from '../../support/builders.js'

function run(backends: Backend[], overrides: Partial<ServerSettings> = {}) {
  return detectConfig({ snapshot: snapshot(backends), settings: settings(overrides), thresholds: DEFAULT_THRESHOLDS, ignore: [], groupBy: ['app'] })
}

describe('detectConfig', () => {
  it('notes a disabled idle_in_transaction_session_timeout as info on a healthy server', () => {
    const [finding, ...rest] = run([backend()])
    expect(rest).toEqual([])
    expect(finding).toMatchObject({ kind: 'config', severity: 'info', evidence: { setting: 'idle_in_transaction_session_timeout', value: '0', suggested: '60s' } })
  })

  it('warns when sessions are idle in transaction past the threshold, and suggests a value above the healthy ones', () => {
    const [finding] = run([idleInTransaction({ idleSeconds: 600 }), idleInTransaction({ idleSeconds: 25 }), idleInTransaction({ idleSeconds: 20 })])
    expect(finding?.severity).toBe('warning')
    expect(finding?.evidence.suggested).toBe('60s')
    expect(finding?.advice).toContain("idle_in_transaction_session_timeout = '60s'")
    expect(finding?.advice).toContain('1 session is idle in transaction past 30s')
  })

  it('suggests more room when healthy transactions idle longer', () => {
    const thresholds = { ...DEFAULT_THRESHOLDS, idleInTransactionSeconds: 300 }
    const [finding] = detectConfig({ snapshot: snapshot([idleInTransaction({ idleSeconds: 100 })]), settings: settings(), thresholds, ignore: [], groupBy: ['app'] })
    expect(finding?.evidence.suggested).toBe('5min')
  })

  it('says nothing when the timeout is set', () => {
    expect(run([idleInTransaction({ idleSeconds: 600 })], { idleInTransactionSessionTimeoutMillis: 60_000 })).toEqual([])
  })

  it('notes when no slot is reserved for superusers', () => {
    const findings = run([], { idleInTransactionSessionTimeoutMillis: 60_000, superuserReservedConnections: 0 })
    expect(findings.map((f) => f.evidence.setting)).toEqual(['superuser_reserved_connections'])
  })
})
