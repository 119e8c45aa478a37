// Real leaky programs, met after the fact and early: `audit` run once the
// server is already full names the application from one snapshot, and a
// service whose checkouts pile up idle in transaction is named within 15 s.
// Each runs twice, with different timing, against max_connections = 30.
import { describe, expect, inject, it } from 'vitest'
import { useTestDatabase } from '../support/test-database.js'
import { auditAfter, recordDiagnosis, useAppRole, watchPrograms } from './diagnose.js'
import type { ProgramSpec } from './run-program.js'

const pythonEnv = inject('pythonEnv')
const python = 'python' in pythonEnv ? pythonEnv.python : undefined

describe('audit of a server already full', () => {
  const db = useTestDatabase({ settings: { max_connections: 30 } })
  const appUrl = useAppRole(db)

  const AUDITS: readonly { readonly spec: ProgramSpec; readonly variant: string; readonly fillSeconds: number }[] = [
    { variant: 'Flask leak at 2 req/s, audited after 18 s', fillSeconds: 18, spec: { script: 'python/flask_connection_per_request_leak.py', application: 'flask-leaky', env: { RATE: '2' }, durationSeconds: 40 } },
    { variant: 'node-postgres leak at +2/s, audited after 20 s', fillSeconds: 20, spec: { script: 'node/client-per-request-leak.mjs', application: 'node-api', env: { REQUESTS_PER_SECOND: '6', LEAK_EVERY: '3' }, durationSeconds: 40 } },
  ]
  for (const { spec, variant, fillSeconds } of AUDITS) {
    const needsPython = spec.script.endsWith('.py')
    it.skipIf(needsPython && !python)(`audit of a server already full (${variant}) names the application from one snapshot`, { timeout: 60_000 }, async () => {
      const { report, output } = await auditAfter(db().url(), appUrl(), python, spec, fillSeconds)
      const abandoned = report.findings.find((f) => f.kind === 'abandoned-connections')
      await recordDiagnosis({ program: `audit after "too many clients" (${spec.application})`, variant, expected: `abandoned-connections ${spec.application}`, seconds: abandoned ? fillSeconds : null, serverFullSeconds: null, falseAlarms: [] })
      expect(abandoned, output).toMatchObject({ severity: 'error', subject: { application: spec.application } })
      expect(abandoned?.kind === 'abandoned-connections' && abandoned.evidence.usedOnceConnections).toBeGreaterThanOrEqual(10)
      const headroom = report.findings.find((f) => f.kind === 'headroom')
      expect(headroom).toMatchObject({ subject: { application: spec.application }, evidence: { isFull: true } })
      expect(headroom?.advice).toContain(`application_name = '${spec.application}' AND state = 'idle'`)
    })
  }
})

describe('checkouts piling up idle in transaction', () => {
  const db = useTestDatabase({ settings: { max_connections: 30 } })
  const appUrl = useAppRole(db)
  const PILES: readonly { readonly variant: string; readonly rate: string; readonly intervalMillis: number }[] = [
    { variant: '3 req/s, polled every 1 s', rate: '3', intervalMillis: 1000 },
    { variant: '1.5 req/s, polled every 0.5 s', rate: '1.5', intervalMillis: 500 },
  ]
  for (const pile of PILES) {
    it.skipIf(!python)(`scoped_session never removed (${pile.variant}): named within 15 s${python ? '' : ` [skipped: ${'missing' in pythonEnv ? pythonEnv.missing : ''}]`}`, { timeout: 60_000 }, async () => {
      const spec: ProgramSpec = { script: 'python/scoped_session_never_removed.py', application: 'cart-service', env: { RATE: pile.rate }, durationSeconds: 30 }
      const diagnosis = await watchPrograms(db().url(), appUrl(), python, [spec], { watchSeconds: 20, intervalMillis: pile.intervalMillis })
      const seconds = diagnosis.firstSeconds.get('idle-in-transaction cart-service')
      await recordDiagnosis({ program: 'Flask + scoped_session never removed', variant: pile.variant, expected: 'idle-in-transaction cart-service', seconds: seconds ?? null, serverFullSeconds: null, falseAlarms: [] })
      expect(seconds, diagnosis.output).toBeDefined()
      expect(seconds!).toBeLessThanOrEqual(15)
      const finding = diagnosis.findings.find((f) => f.kind === 'idle-in-transaction' && f.subject.application === 'cart-service')
      expect(finding?.kind === 'idle-in-transaction' && finding.evidence.scope).toBe('group')
      expect(finding?.advice).toContain('Session.remove()')
    })
  }
})
