// `audit` against a real server, on every bundled major (18 and 14).
import { describe, expect, it } from 'vitest'
import { audit } from '../../src/audit.js'
import type { IdleInTransactionFinding } from '../../src/core/finding.js'
import { parseIgnoreRule } from '../../src/core/ignore-rule.js'
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds.js'
import { sleep } from '../support/run-cli.js'
import { openBlockingPair, openIdleSessions } from '../support/sessions.js'
import { useTestDatabase, versionsUnderTest } from '../support/test-database.js'

const quickThresholds = { ...DEFAULT_THRESHOLDS, idleInTransactionSeconds: 1 }

describe.each(versionsUnderTest())('audit on PostgreSQL %i', (major) => {
  const db = useTestDatabase({ major })

  it('reads the server version and the settings that bound connections', async () => {
    const report = await audit({ dsn: db().url() })
    expect(Math.floor(report.server.versionNum / 10000)).toBe(major)
    expect(report.server).toMatchObject({ maxConnections: 100, superuserReservedConnections: 3, reservedConnections: 0, usableConnections: 97 })
  })

  it('reports a session idle in transaction that blocks another, naming its application, pid and the blocked pid', async () => {
    const { holderPid, waiterPid } = await openBlockingPair(db(), 'billing-worker', 'api')
    await sleep(1200)
    const report = await audit({ dsn: db().url(), thresholds: quickThresholds })
    const findings = report.findings.filter((f): f is IdleInTransactionFinding => f.kind === 'idle-in-transaction')
    expect(findings).toHaveLength(1)
    expect(findings[0]).toMatchObject({
      severity: 'error',
      subject: { application: 'billing-worker', user: 'postgres', database: 'postgres', client: '127.0.0.1' },
      pids: [holderPid],
      evidence: { blocking: [waiterPid], state: 'idle in transaction', lastQuery: 'UPDATE accounts SET balance = balance - 10 WHERE id = 42' },
    })
    expect(findings[0]!.evidence.ageSeconds).toBeGreaterThanOrEqual(1)
    const billing = report.connections.groups.find((g) => g.key.app === 'billing-worker')
    expect(billing).toMatchObject({ total: 1, idleInTransaction: 1 })
  })

  it('replaces literals in query text with --redact', async () => {
    await openBlockingPair(db(), 'billing-worker', 'api')
    await sleep(1200)
    const report = await audit({ dsn: db().url(), thresholds: quickThresholds, redact: true })
    const finding = report.findings.find((f): f is IdleInTransactionFinding => f.kind === 'idle-in-transaction')
    expect(finding?.evidence.lastQuery).toBe('UPDATE accounts SET balance = balance - ? WHERE id = ?')
  })

  it('leaves ignored sessions out of the findings but counts them against the slots', async () => {
    await openBlockingPair(db(), 'pg_dump', 'api')
    await sleep(1200)
    const ignore = parseIgnoreRule('app=pg_dump')
    if ('error' in ignore) throw new Error(ignore.error)
    const report = await audit({ dsn: db().url(), thresholds: quickThresholds, ignore: [ignore] })
    expect(report.findings.filter((f) => f.kind === 'idle-in-transaction')).toEqual([])
    expect(report.connections.clientConnections).toBe(2)
    expect(report.connections.ignoredConnections).toBe(1)
    expect(report.warnings.map((w) => w.code)).toContain('IGNORED_SESSIONS')
  })

  it('finds nothing above info on a healthy server with a few idle pooled connections, and leaves its own session out', async () => {
    await openIdleSessions(db(), 4, { application: 'web' })
    const report = await audit({ dsn: db().url() })
    expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([])
    expect(report.connections.clientConnections).toBe(4)
    expect(report.connections.groups.map((g) => [g.key.app, g.total, g.idle])).toEqual([['web', 4, 4]])
    expect(report.connections.groups.some((g) => g.key.app === 'pgleak')).toBe(false)
  })

  it('labels LISTEN sessions instead of reporting them', async () => {
    const listener = await db().openSession({ application: 'notifier' })
    await listener.query('LISTEN jobs')
    const report = await audit({ dsn: db().url() })
    expect(report.connections.listeningConnections).toBe(1)
    expect(report.connections.groups.find((g) => g.key.app === 'notifier')).toMatchObject({ listening: 1 })
    expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([])
  })

  it('reports a database near its CONNECTION LIMIT', async () => {
    await db().admin('DROP DATABASE IF EXISTS tenant_7')
    await db().admin('CREATE DATABASE tenant_7 CONNECTION LIMIT 5')
    await openIdleSessions(db(), 4, { application: 'tenant-api', database: 'tenant_7' })
    const report = await audit({ dsn: db().url() })
    const headroom = report.findings.filter((f) => f.kind === 'headroom')
    expect(headroom).toEqual([
      expect.objectContaining({ severity: 'warning', subject: expect.objectContaining({ database: 'tenant_7' }), evidence: expect.objectContaining({ scope: 'database', connections: 4, limit: 5 }) }),
    ])
  })

  it('as a role without pg_monitor, counts the sessions it cannot see and says how to see them', async () => {
    await db().admin(`DO $$ BEGIN CREATE ROLE limited LOGIN PASSWORD 'limited-pw'; EXCEPTION WHEN duplicate_object THEN NULL; END $$`)
    await db().admin('REVOKE pg_monitor FROM limited')
    await openIdleSessions(db(), 3, { application: 'other-team' })
    const partial = await audit({ dsn: db().url({ user: 'limited', password: 'limited-pw' }) })
    expect(partial.connections.clientConnections).toBe(3)
    expect(partial.connections.hiddenClientConnections).toBe(3)
    expect(partial.connections.groups.find((g) => g.key.app === 'other-team')).toMatchObject({ total: 3, other: 3 })
    expect(partial.warnings).toContainEqual({ code: 'PARTIAL_VIEW', message: expect.stringContaining('GRANT pg_monitor TO limited;') })

    await db().admin('GRANT pg_monitor TO limited')
    const full = await audit({ dsn: db().url({ user: 'limited', password: 'limited-pw' }) })
    expect(full.connections.hiddenClientConnections).toBe(0)
    expect(full.warnings.map((w) => w.code)).not.toContain('PARTIAL_VIEW')
    expect(full.connections.groups.find((g) => g.key.app === 'other-team')).toMatchObject({ total: 3, idle: 3 })
  })
})

describe('audit on PostgreSQL 18 with reserved_connections', () => {
  const db = useTestDatabase({ major: 18, settings: { reserved_connections: 2 } })

  it('leaves the pg_use_reserved_connections slots out of the usable ones (PostgreSQL 16 and later)', async () => {
    const report = await audit({ dsn: db().url() })
    expect(report.server).toMatchObject({ maxConnections: 100, superuserReservedConnections: 3, reservedConnections: 2, usableConnections: 95 })
  })
})
