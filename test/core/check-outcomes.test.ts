// Which checks a run could judge: one without its input is skipped, never passed.
import { describe, expect, it } from 'vitest'
import { checkOutcomes, type CheckInputs } from '../../src/core/check-outcomes.js'
import { detectIdleInTransaction } from '../../src/core/detectors/idle-in-transaction.js'
import type { Finding } from '../../src/core/finding.js'
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds.js'
import { idleInTransaction, settings, snapshot } from '../support/builders.js'

const run: CheckInputs = { hasRun: true, sawRunEnd: true, hasConnectionBudget: false, hasPoolLog: false, hasPooler: false }
const statusOf = (findings: readonly Finding[], inputs: CheckInputs) => Object.fromEntries(checkOutcomes(findings, 'warning', inputs).map((o) => [o.name, o.status]))

describe('check outcomes', () => {
  it('skips the budget and pool checks of a run given neither, and passes the rest', () => {
    expect(statusOf([], run)).toEqual({
      'leftover-connections': 'passed',
      'connection-growth': 'passed',
      'abandoned-connections': 'passed',
      'max-connections': 'skipped',
      headroom: 'passed',
      'idle-in-transaction': 'passed',
      churn: 'passed',
      'pool-imbalance': 'skipped',
      'pool-exhaustion': 'skipped',
      'multiple-pools': 'skipped',
      config: 'passed',
    })
  })

  it('judges them once their input is there: a pool log, PgBouncer, a budget', () => {
    const withPoolLog = statusOf([], { ...run, hasPoolLog: true, hasConnectionBudget: true })
    expect([withPoolLog['pool-imbalance'], withPoolLog['multiple-pools'], withPoolLog['pool-exhaustion'], withPoolLog['max-connections']]).toEqual(['passed', 'passed', 'passed', 'passed'])
    const withPooler = statusOf([], { ...run, hasPooler: true })
    expect([withPooler['pool-exhaustion'], withPooler['pool-imbalance']]).toEqual(['passed', 'skipped'])
  })

  it('skips what only a run shows when check looks once, and leftovers when the database was gone at the end', () => {
    const once = statusOf([], { ...run, hasRun: false, sawRunEnd: false })
    expect([once['leftover-connections'], once['connection-growth'], once.churn, once.headroom]).toEqual(['skipped', 'skipped', 'skipped', 'passed'])
    const lost = checkOutcomes([], 'warning', { ...run, sawRunEnd: false }).find((o) => o.name === 'leftover-connections')
    expect(lost).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/did not answer after the command/) })
  })

  it('fails a check on its finding whatever the inputs said', () => {
    const findings = detectIdleInTransaction({
      snapshot: snapshot([idleInTransaction({ application: 'worker', idleSeconds: DEFAULT_THRESHOLDS.idleInTransactionSeconds * 2 })]),
      settings: settings(),
      thresholds: DEFAULT_THRESHOLDS,
      ignore: [],
      groupBy: ['app'],
    })
    expect(findings).toHaveLength(1)
    expect(statusOf(findings, { ...run, hasRun: false })['idle-in-transaction']).toBe('failed')
    // A check that would be skipped for want of input is judged on a finding that came anyway.
    const churn = { ...findings[0]!, kind: 'churn' } as unknown as Finding
    expect(statusOf([churn], { ...run, hasRun: false }).churn).toBe('failed')
  })
})
