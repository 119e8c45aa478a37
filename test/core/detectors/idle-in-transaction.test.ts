import { describe, expect, it } from 'vitest'
import { detectIdleInTransaction } from '../../../src/core/detectors/idle-in-transaction.js'
import type { DetectorInput } from '../../../src/core/detectors/index.js'
import { parseIgnoreRule, type IgnoreRule } from '../../../src/core/ignore-rule.js'
import { DEFAULT_THRESHOLDS } from '../../../src/core/thresholds.js'
import { backend, hiddenBackend, idleInTransaction, settings, snapshot } from '../../support/builders.js'
import type { Backend } from '../../../src/core/backend.js'

function input(backends: Backend[], ignore: IgnoreRule[] = []): DetectorInput {
  return { snapshot: snapshot(backends), settings: settings(), thresholds: DEFAULT_THRESHOLDS, ignore, groupBy: ['app'] }
}

describe('detectIdleInTransaction', () => {
  it('reports a session idle in transaction past the threshold, naming its application and pid', () => {
    const leaked = idleInTransaction({ application: 'billing-worker', idleSeconds: 192 })
    const [finding, ...rest] = detectIdleInTransaction(input([leaked, backend()]))
    expect(rest).toEqual([])
    expect(finding).toMatchObject({
      kind: 'idle-in-transaction',
      severity: 'warning',
      title: `billing-worker (pid ${leaked.pid}) holds a transaction open for 3m12s`,
      subject: { application: 'billing-worker', user: 'app', database: 'shop', client: '10.0.0.7', pool: null },
      pids: [leaked.pid],
      evidence: { ageSeconds: 192, transactionAgeSeconds: 193, blocking: [], lastQuery: 'UPDATE accounts SET balance = balance - 10 WHERE id = 42' },
    })
    expect(finding?.advice).toContain(`pg_terminate_backend(${leaked.pid})`)
  })

  it('is an error when the session blocks others, and lists the blocked pids', () => {
    const holder = idleInTransaction({ idleSeconds: 40 })
    const waiter = backend({ state: 'active', waitEventType: 'Lock', waitEvent: 'transactionid', blockedBy: [holder.pid] })
    const [finding] = detectIdleInTransaction(input([holder, waiter]))
    expect(finding?.severity).toBe('error')
    expect(finding?.evidence.blocking).toEqual([waiter.pid])
    expect(finding?.title).toMatch(/blocking 1 session$/)
  })

  it('lists each waiter once, in the snapshot order, when sessions block one another', () => {
    const first = idleInTransaction({ idleSeconds: 40 })
    const second = idleInTransaction({ idleSeconds: 50 })
    // pg_blocking_pids can name a blocker twice; a waiter may wait on both holders.
    const both = backend({ state: 'active', waitEventType: 'Lock', blockedBy: [first.pid, first.pid, second.pid] })
    const one = backend({ state: 'active', waitEventType: 'Lock', blockedBy: [first.pid] })
    const [finding, ...rest] = detectIdleInTransaction(input([one, first, both, second, backend()]))
    expect(rest).toEqual([])
    expect(finding?.evidence.blocking).toEqual([both.pid, one.pid])
    expect(finding?.advice).toContain(`Pid ${second.pid} holds locks that pid ${both.pid} is waiting for.`)
    expect(finding?.advice).toContain(`Pid ${first.pid} holds locks that pid ${one.pid}, ${both.pid} are waiting for.`)
  })

  it('makes several sessions of one application past the threshold one finding with their pids, oldest first', () => {
    // Three or more would be a pile; two past the threshold are one finding too.
    const billing = [31, 200].map((idleSeconds) => idleInTransaction({ application: 'billing-worker', idleSeconds }))
    const other = idleInTransaction({ application: 'reports', idleSeconds: 60 })
    const findings = detectIdleInTransaction(input([...billing, other, backend()]))
    expect(findings.map((f) => [f.subject.application, f.evidence.scope, f.pids])).toEqual([
      ['billing-worker', 'group', [billing[1]!.pid, billing[0]!.pid]],
      ['reports', 'session', [other.pid]],
    ])
    const [group] = findings
    expect(group).toMatchObject({
      severity: 'warning',
      title: 'billing-worker has 2 sessions idle in transaction for 31s or more (oldest 3m20s)',
      evidence: { scope: 'group', sessions: 2, ageSeconds: 200, minAgeSeconds: 31, blocking: [] },
    })
    // The advice is said once, and its SQL ends both (the younger is 31 s idle).
    expect(group?.advice.match(/idle_in_transaction_session_timeout/g)).toHaveLength(1)
    expect(group?.advice).toContain("application_name = 'billing-worker' AND state IN ('idle in transaction', 'idle in transaction (aborted)') AND state_change < now() - interval '31 seconds'")
  })

  it('is an error when idle for ten times the threshold', () => {
    const [finding] = detectIdleInTransaction(input([idleInTransaction({ idleSeconds: 301 })]))
    expect(finding?.severity).toBe('error')
  })

  it('says when the transaction has failed and was never rolled back', () => {
    const [finding] = detectIdleInTransaction(input([idleInTransaction({ idleSeconds: 60, state: 'idle in transaction (aborted)' })]))
    expect(finding?.title).toContain('left a failed transaction open')
    expect(finding?.evidence).toMatchObject({ scope: 'session', state: 'idle in transaction (aborted)' })
    expect(finding?.advice).toMatch(/roll back in the error path/)
  })

  it('stays quiet about short transactions, idle sessions, ignored sessions and rows it cannot see', () => {
    const ignore = parseIgnoreRule('app=pg_dump')
    if ('error' in ignore) throw new Error(ignore.error)
    const findings = detectIdleInTransaction(
      input(
        [
          idleInTransaction({ idleSeconds: 29 }),
          backend({ idleSeconds: 3600 }),
          idleInTransaction({ application: 'pg_dump', idleSeconds: 3600 }),
          hiddenBackend(),
        ],
        [ignore],
      ),
    )
    expect(findings).toEqual([])
  })
})

describe('idle-in-transaction piling up in one group', () => {
  it('names a group whose sessions pile up idle in transaction long before any passes the threshold', () => {
    // Five checkouts never returned, the oldest 8 s ago: none is near the 30 s threshold.
    const pile = [8, 7, 7, 6, 6].map((idleSeconds) => idleInTransaction({ application: 'orders-api', idleSeconds }))
    const findings = detectIdleInTransaction(input([...pile, idleInTransaction({ application: 'web', idleSeconds: 1 }), backend()]))
    expect(findings).toHaveLength(1)
    expect(findings[0]).toMatchObject({
      severity: 'warning',
      subject: { application: 'orders-api' },
      evidence: { scope: 'group', sessions: 5, ageSeconds: 8, minAgeSeconds: 6, newInLast10Seconds: 5 },
    })
    expect(findings[0]?.pids).toEqual(pile.map((b) => b.pid))
    expect(findings[0]?.advice).toContain('Session.remove()')
    expect(findings[0]?.advice).toContain("application_name = 'orders-api' AND state IN ('idle in transaction', 'idle in transaction (aborted)')")
  })

  it('needs more age from fewer sessions, and ignores transactions that end in moments', () => {
    expect(detectIdleInTransaction(input([2, 2, 2, 2, 2, 2].map((idleSeconds) => idleInTransaction({ idleSeconds }))))).toEqual([])
    expect(detectIdleInTransaction(input([9, 9, 9].map((idleSeconds) => idleInTransaction({ idleSeconds }))))).toEqual([])
    expect(detectIdleInTransaction(input([11, 10, 10].map((idleSeconds) => idleInTransaction({ idleSeconds }))))).toHaveLength(1)
  })

  it('reports a piled session on its own too when others wait on its locks', () => {
    const blocker = idleInTransaction({ application: 'orders-api', idleSeconds: 40 })
    const waiter = backend({ state: 'active', waitEventType: 'Lock', blockedBy: [blocker.pid] })
    const pile = [blocker, ...[20, 20, 20].map((idleSeconds) => idleInTransaction({ application: 'orders-api', idleSeconds }))]
    const findings = detectIdleInTransaction(input([...pile, waiter]))
    expect(findings.map((f) => [f.evidence.scope, f.pids.length, f.severity])).toEqual([
      ['group', 4, 'error'],
      ['session', 1, 'error'],
    ])
  })
})
