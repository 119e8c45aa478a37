// pgleak/node-pg's instrumentPool on a real pg.Pool against a real server:
// what it writes, and that pgleak reads it back into the right ledger.
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { analyzePoolLogs } from '../../../src/analyze-logs.js'
import { instrumentPool } from '../../../src/node-pg/index.js'
import { useTestDatabase } from '../../support/test-database.js'

describe('instrumentPool', () => {
  const db = useTestDatabase()

  it('writes connect, checkout with the caller, checkin and close, with the backend pid, and reads back balanced', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'pgleak-node-pg-')), 'pool.jsonl')
    const pool = new pg.Pool({ connectionString: db().url(), max: 2 })
    const detach = instrumentPool(pool, { output: file, name: 'orders' })
    async function listOrders(): Promise<void> {
      await pool.query('SELECT 1')
    }
    await listOrders()
    const client = await pool.connect()
    const backendPid = (client as unknown as { processID: number }).processID
    client.release()
    await pool.end()
    // pg-pool emits remove from the client's end callback, a moment after end() resolves.
    await new Promise((resolve) => setTimeout(resolve, 50))
    detach()

    const events = (await readFile(file, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(events.map((e) => e.event)).toEqual(['connect', 'checkout', 'checkin', 'checkout', 'checkin', 'close'])
    expect(new Set(events.map((e) => e.connection))).toEqual(new Set([1]))
    expect(events.every((e) => e.pool === 'orders' && e.library === 'node-postgres')).toBe(true)
    // The one connection's server process, as node-postgres knows it.
    expect(new Set(events.map((e) => e.pid))).toEqual(new Set([backendPid]))
    expect((events[1]!.stack as string[])[0]).toMatch(/^at listOrders .*instrument-pool\.test\.ts:\d+:\d+/)

    const analysis = await analyzePoolLogs([file])
    expect(analysis.files[0]).toMatchObject({ format: 'pgleak', events: 6 })
    expect(analysis.findings).toEqual([])
  })
})
