// Churn that polling barely sees, and pools too big for the server that are
// not leaking: real programs on a server with max_connections = 30, each
// run twice with different timing.
import { describe, expect, inject, it } from 'vitest'
import { isAtLeast } from '../../src/core/finding.js'
import { useTestDatabase } from '../support/test-database.js'
import { findingLabel, recordDiagnosis, useAppRole, watchPrograms } from './diagnose.js'

const pythonEnv = inject('pythonEnv')
const python = 'python' in pythonEnv ? pythonEnv.python : undefined
const skipped = python ? '' : ` [skipped: ${'missing' in pythonEnv ? pythonEnv.missing : ''}]`
const LEAK_KINDS = ['connection-growth', 'abandoned-connections', 'pool-imbalance', 'multiple-pools', 'leftover-connections']

describe('churn and sizing on a small server', () => {
  const db = useTestDatabase({ settings: { max_connections: 30 } })
  const appUrl = useAppRole(db)

  // Connections living a few milliseconds are mostly caught still authenticating, before they carry a
  // name: the application is named once a poll has caught one of them with its name, and until then,
  // from 15 s, the client address they come from. At 70 a second about one poll in twelve catches one
  // (6 to 22 s in most runs, past 30 s in about one in five), so the watch lasts 60 s, where a run
  // without a catch is about one in a hundred. At 40 a second the catch is rarer still: some runs end
  // with the address only.
  const CHURN = [
    { variant: '70 req/s, polled every 1 s', rate: '70', intervalMillis: 1000, mustNameApplication: true },
    { variant: '40 req/s, polled every 0.5 s', rate: '40', intervalMillis: 500, mustNameApplication: false },
  ]
  for (const churn of CHURN) {
    const watchSeconds = churn.mustNameApplication ? 60 : 30
    const byWhen = churn.mustNameApplication ? `, by application within ${watchSeconds} s` : ''
    it.skipIf(!python)(`Flask connecting per request (${churn.variant}): churn named within 20 s (by address until one of its connections is caught named)${byWhen}${skipped}`, { timeout: (watchSeconds + 30) * 1000 }, async () => {
      const spec = { script: 'python/flask_churn.py', application: 'flask-per-request', env: { RATE: churn.rate }, durationSeconds: watchSeconds + 10 }
      const diagnosis = await watchPrograms(db().url(), appUrl(), python, [spec], { watchSeconds, intervalMillis: churn.intervalMillis })
      const byApplication = diagnosis.firstSeconds.get('churn flask-per-request')
      const byAddress = diagnosis.findings.some((f) => f.kind === 'churn' && f.subject.application === null && f.subject.client === '127.0.0.1') ? diagnosis.firstSeconds.get('churn -') : undefined
      const named = [byApplication, byAddress].filter((v): v is number => v !== undefined)
      const seconds = named.length > 0 ? Math.min(...named) : undefined
      const falseAlarms = diagnosis.findings.filter((f) => f.kind !== 'churn' && isAtLeast(f.severity, 'warning')).map(findingLabel)
      await recordDiagnosis({ program: 'Flask, psycopg2 connect/close per request', variant: churn.variant, expected: `churn flask-per-request (application after ${byApplication ?? '—'} s)`, seconds: seconds ?? null, serverFullSeconds: null, falseAlarms })
      expect(seconds, diagnosis.output).toBeDefined()
      expect(seconds!).toBeLessThanOrEqual(20)
      if (churn.mustNameApplication) expect(byApplication, JSON.stringify([...diagnosis.firstSeconds])).toBeDefined()
      // Whoever it names, it names no one else, and the rate is the server's exact count.
      const churnFindings = diagnosis.findings.filter((f) => f.kind === 'churn')
      expect(churnFindings.every((f) => f.subject.application === 'flask-per-request' || (f.subject.application === null && f.subject.client === '127.0.0.1'))).toBe(true)
      const finding = churnFindings.find((f) => f.subject.application === 'flask-per-request') ?? churnFindings[0]
      expect(finding?.kind === 'churn' && finding.evidence).toMatchObject({ isLowerBound: false })
      expect(finding?.kind === 'churn' && finding.evidence.openedPerMinute).toBeGreaterThan(600)
      expect(falseAlarms).toEqual([])
    })
  }

  const SIZING = [
    { variant: '4 workers, bursts every 10 s holding 1.5 s, polled every 1 s', env: { WORKERS: '4', PERIOD: '10', HOLD: '1.5' }, intervalMillis: 1000, watchSeconds: 45 },
    { variant: '4 workers, bursts every 7 s holding 2 s, polled every 0.5 s', env: { WORKERS: '4', PERIOD: '7', HOLD: '2' }, intervalMillis: 500, watchSeconds: 40 },
  ]
  for (const sizing of SIZING) {
    it.skipIf(!python)(`four processes with a correct QueuePool(5, 10) each (${sizing.variant}): pool-sizing, never a leak${skipped}`, { timeout: 90_000 }, async () => {
      const spec = { script: 'python/sizing_four_workers.py', application: 'orders-api', env: sizing.env, durationSeconds: sizing.watchSeconds + 10 }
      const diagnosis = await watchPrograms(db().url(), appUrl(), python, [spec], { watchSeconds: sizing.watchSeconds, intervalMillis: sizing.intervalMillis })
      const seconds = diagnosis.firstSeconds.get('pool-sizing orders-api')
      const falseAlarms = diagnosis.findings.filter((f) => LEAK_KINDS.includes(f.kind) && isAtLeast(f.severity, 'warning')).map(findingLabel)
      await recordDiagnosis({ program: 'four processes, QueuePool(5, 10) each, bursting', variant: sizing.variant, expected: 'pool-sizing orders-api', seconds: seconds ?? null, serverFullSeconds: diagnosis.serverFullSeconds ?? null, falseAlarms })
      expect(falseAlarms, diagnosis.output).toEqual([])
      expect(seconds, JSON.stringify([...diagnosis.firstSeconds])).toBeDefined()
      const finding = diagnosis.findings.find((f) => f.kind === 'pool-sizing')
      expect(finding?.subject.application).toBe('orders-api')
      expect(finding?.title).toContain('not a leak')
    })
  }
})
