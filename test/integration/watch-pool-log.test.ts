// watch --pool-log against a real server and a node-postgres pool
// instrumented with pgleak/node-pg: a client leaked by an error path is one
// finding naming the code that checked it out and the server session, and
// the recording of the run gives the same finding again.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import type { PoolImbalanceFinding } from '../../src/core/finding.js'
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds.js'
import { instrumentPool } from '../../src/node-pg/index.js'
import { analyzeRecording } from '../../src/analyze-recording.js'
import { watch } from '../../src/watch.js'
import { useTestDatabase } from '../support/test-database.js'

describe('watch --pool-log with pgleak/node-pg', () => {
  const db = useTestDatabase()

  it('names the acquiring stack frame and the backend pid of a leaked client in one finding', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-pool-log-'))
    const poolLog = join(dir, 'pool.jsonl')
    const recording = join(dir, 'watch.ndjson')
    await db().admin('CREATE TABLE IF NOT EXISTS orders (id int PRIMARY KEY, status text)')
    await db().admin(`INSERT INTO orders VALUES (1, 'new') ON CONFLICT DO NOTHING`)
    const pool = new pg.Pool({ connectionString: db().url(), application_name: 'order-service', max: 5 })
    pool.on('error', () => {})
    const detach = instrumentPool(pool, { output: poolLog, name: 'orders' })
    let leakedPid = 0

    async function chargeOrderLeaky(): Promise<void> {
      const client = await pool.connect()
      client.on('error', () => {})
      // node-postgres sets processID from the server's BackendKeyData; @types/pg does not declare it.
      leakedPid = (client as unknown as { processID: number }).processID
      try {
        await client.query('BEGIN')
        await client.query(`UPDATE orders SET status = 'charging' WHERE id = 1`)
        throw new Error('payment provider timed out')
      } catch {
        // The bug under test: neither ROLLBACK nor client.release() on the error path.
      }
    }

    try {
      // Healthy traffic on the same pool: checked out and released.
      for (let i = 0; i < 5; i++) await pool.query('SELECT 1')
      await chargeOrderLeaky()
      const result = await watch({
        dsn: db().url(),
        intervalMillis: 500,
        durationMillis: 6000,
        poolLogPath: poolLog,
        recordPath: recording,
        thresholds: { ...DEFAULT_THRESHOLDS, unreturnedAfterSeconds: 2, idleInTransactionSeconds: 1 },
      })
      const imbalance = result.findings.filter((f): f is typeof f & PoolImbalanceFinding => f.kind === 'pool-imbalance')
      expect(imbalance).toHaveLength(1)
      const finding = imbalance[0]!
      expect(finding.pids).toEqual([leakedPid])
      expect(finding.subject.pool).toBe('orders')
      const unreturned = finding.evidence.unreturned[0]!
      expect(unreturned.stack?.[0]).toMatch(/chargeOrderLeaky .*watch-pool-log\.test\.ts:\d+:\d+/)
      expect(unreturned.backend).toMatchObject({ state: 'idle in transaction', lastQuery: `UPDATE orders SET status = 'charging' WHERE id = 1` })
      expect(finding.title).toContain('chargeOrderLeaky')
      expect(finding.title).toContain(`pid ${leakedPid}`)
      // One finding: the session's own idle-in-transaction finding is folded into it.
      expect(result.findings.filter((f) => f.kind === 'idle-in-transaction')).toEqual([])
      expect(finding.severity).toBe('error')

      // The recording keeps the pool events: analyze of it gives the pool finding the live run gave.
      const replayed = await analyzeRecording(recording)
      const again = replayed.findings.filter((f) => f.kind === 'pool-imbalance')
      expect(again.map((f) => [f.subject.pool, f.pids, f.title])).toEqual([[finding.subject.pool, finding.pids, finding.title]])
    } finally {
      detach()
      // pool.end() waits for the leaked client for ever: end its session instead.
      if (leakedPid) await db().admin('SELECT pg_terminate_backend($1)', [leakedPid])
      await Promise.race([pool.end().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 1000))])
    }
  })
})
