// Each log written by a real library gives the finding its failure mode
// should give, and the healthy ones give none (see the READMEs beside the
// fixtures for how they were made).
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { analyzePoolLogs } from '../../../src/analyze-logs.js'
import type { Finding, FindingKind } from '../../../src/core/finding.js'

function fixture(path: string): string {
  return fileURLToPath(new URL(`../../fixtures/pool-logs/${path}`, import.meta.url))
}

function kinds(findings: readonly Finding[]): [FindingKind, string][] {
  return findings.map((f) => [f.kind, f.severity] as [FindingKind, string]).sort()
}

function testLog(path: string, expected: readonly [FindingKind, string][]): void {
  it(`${path}: ${expected.length === 0 ? 'no findings' : expected.map(([kind]) => kind).join(', ')}`, async () => {
    const analysis = await analyzePoolLogs([fixture(path)])
    expect(kinds(analysis.findings)).toEqual([...expected].sort())
    expect(analysis.files[0]?.skipped.count).toBe(0)
  })
}

describe('SQLAlchemy pool logs (SQLAlchemy 2.0 with psycopg2 and psycopg 3)', () => {
  testLog('sqlalchemy/healthy.log', [])
  testLog('sqlalchemy/healthy-psycopg3.log', [])
  testLog('sqlalchemy/f1-connection-per-request.log', [['churn', 'error']])
  testLog('sqlalchemy/f4-engine-per-test.log', [['multiple-pools', 'error']])
  testLog('sqlalchemy/f5-scoped-session-never-removed.log', [
    ['pool-imbalance', 'error'],
    ['pool-exhaustion', 'error'],
  ])
  testLog('sqlalchemy/f5-no-timestamps.log', [
    ['pool-imbalance', 'error'],
    ['pool-exhaustion', 'error'],
  ])
  testLog('sqlalchemy/f6-transaction-held.log', [['pool-imbalance', 'warning']])
  testLog('sqlalchemy/f5-async-connection-dropped.log', [['pool-imbalance', 'error']])

  it('f5 async: the four connections the garbage collector dropped are the leak, with how long each was out', async () => {
    const analysis = await analyzePoolLogs([fixture('sqlalchemy/f5-async-connection-dropped.log')])
    const imbalance = analysis.findings[0]
    expect(imbalance?.kind === 'pool-imbalance' && imbalance.evidence).toMatchObject({ collectedCount: 4, unreturnedCount: 0, checkouts: 18, checkins: 14, longHolds: [] })
    const collected = imbalance?.kind === 'pool-imbalance' ? imbalance.evidence.collected : []
    expect(collected.map((c) => c.heldSeconds! > 1.5 && c.collectedLine > c.line)).toEqual([true, true, true, true])
    expect(imbalance?.title).toContain('the garbage collector found them')
    expect(imbalance?.advice).toContain('async with engine.connect()')
  })

  it('f5: names the pool, its size from the timeout message, and the 15 checkouts that never came back', async () => {
    const analysis = await analyzePoolLogs([fixture('sqlalchemy/f5-scoped-session-never-removed.log')])
    const imbalance = analysis.findings.find((f) => f.kind === 'pool-imbalance')
    const exhaustion = analysis.findings.find((f) => f.kind === 'pool-exhaustion')
    expect(imbalance?.kind === 'pool-imbalance' && imbalance.evidence).toMatchObject({ unreturnedCount: 15, checkouts: 15, checkins: 0, library: 'sqlalchemy' })
    expect(imbalance?.advice).toContain('Session.remove()')
    expect(exhaustion?.kind === 'pool-exhaustion' && exhaustion.evidence).toMatchObject({ timeouts: 5, poolSize: 5, maxOverflow: 10, timeoutSeconds: 2 })
  })

  it('f6: the long hold that came back is reported with its length against the median', async () => {
    const analysis = await analyzePoolLogs([fixture('sqlalchemy/f6-transaction-held.log')])
    const imbalance = analysis.findings[0]
    expect(imbalance?.kind === 'pool-imbalance' && imbalance.evidence.unreturnedCount).toBe(0)
    expect(imbalance?.kind === 'pool-imbalance' && imbalance.evidence.longHolds[0]?.heldSeconds).toBeGreaterThanOrEqual(14)
  })

  it('f4: every checkout came back, yet the connections pile up: engine.dispose() is the advice', async () => {
    const analysis = await analyzePoolLogs([fixture('sqlalchemy/f4-engine-per-test.log')])
    const finding = analysis.findings[0]
    expect(finding?.kind === 'multiple-pools' && finding.evidence).toMatchObject({ connectionsCreated: 30, connectionsClosed: 0, checkouts: 60, checkins: 60 })
    expect(finding?.advice).toContain('engine.dispose()')
  })
})

describe('PostgreSQL server logs (PostgreSQL 18, log_connections and log_disconnections)', () => {
  for (const file of ['default-prefix.log', 'pgbadger-prefix.log', 'debian-prefix.log', 'bracketed-prefix.log', 'verbose-sqlstate.log', 'collector.csv', 'collector.json']) {
    testLog(`postgres/${file}`, [['pool-exhaustion', 'error']])
  }

  it('counts the refused connections and every session per application, none left open', async () => {
    const analysis = await analyzePoolLogs([fixture('postgres/default-prefix.log')])
    expect(analysis.ledger.tooManyClients).toBe(9)
    const sessions = [...analysis.ledger.serverSessions.values()]
    expect(sessions.every((s) => s.started === s.ended)).toBe(true)
    expect(sessions.map((s) => s.application)).toEqual(expect.arrayContaining(['api', 'leaky-api', 'reports']))
  })
})

describe('HikariCP logs (HikariCP 5.1.0 and 2.7.9, real; 6.x constructed from its source templates)', () => {
  testLog('hikaricp/hikaricp-5.1.0-slf4j-simple.log', [
    ['pool-imbalance', 'error'],
    ['pool-exhaustion', 'error'],
  ])
  testLog('hikaricp/hikaricp-5.1.0-spring-boot.log', [
    ['pool-imbalance', 'error'],
    ['pool-exhaustion', 'error'],
  ])
  testLog('hikaricp/hikaricp-2.7.9-slf4j-simple.log', [
    ['pool-imbalance', 'error'],
    ['pool-exhaustion', 'error'],
  ])
  testLog('hikaricp/constructed-hikaricp-6.x-logback.log', [['pool-exhaustion', 'error']])

  it('names the application frame and thread that borrowed the leaked connection, and leakDetectionThreshold in the advice', async () => {
    const analysis = await analyzePoolLogs([fixture('hikaricp/hikaricp-5.1.0-slf4j-simple.log')])
    const imbalance = analysis.findings.find((f) => f.kind === 'pool-imbalance')
    expect(imbalance?.title).not.toContain('com.zaxxer.hikari')
    expect(imbalance?.title).toContain('LeakDemo.lambda$main$1(LeakDemo.java:55)')
    expect(imbalance?.kind === 'pool-imbalance' && imbalance.evidence.unreturned.map((u) => u.thread)).toEqual(['http-nio-8080-exec-2'])
    expect(imbalance?.advice).toContain('leakDetectionThreshold')
  })
})

describe("pgleak's SQLAlchemy listener (real SQLAlchemy 2.0, pgleak JSON lines)", () => {
  it('gives each leaked checkout its backend pid, read from the driver, and the frames of the code that took it', async () => {
    const analysis = await analyzePoolLogs([fixture('sqlalchemy-leaks/scoped-session-never-removed.jsonl')])
    const finding = analysis.findings.find((f) => f.kind === 'pool-imbalance')
    const unreturned = finding?.kind === 'pool-imbalance' ? finding.evidence.unreturned : []
    expect(unreturned.length).toBeGreaterThanOrEqual(5)
    for (const checkout of unreturned) {
      expect(checkout.stack?.slice(0, 2)).toEqual([expect.stringMatching(/^at get_order \(\/app\/scenario_scoped_session_never_removed\.py:\d+\)$/), expect.stringMatching(/^at handle_request /)])
      expect(checkout.backendPid).toEqual(expect.any(Number))
    }
    expect(finding?.pids).toEqual(unreturned.map((u) => u.backendPid))
    expect(new Set(finding?.pids).size).toBe(unreturned.length)
  })
})
