// pgleak's own connection: one, named, read-only, and never in its own figures.
import { describe, expect, it } from 'vitest'
import { resolveConnectionTarget } from '../../src/sources/pg/connection-target.js'
import { PgleakSession } from '../../src/sources/pg/pgleak-session.js'
import { readSnapshot } from '../../src/sources/pg/read-snapshot.js'
import { useTestDatabase } from '../support/test-database.js'

describe('pgleak session', () => {
  const db = useTestDatabase()

  async function open(dsn = db().url()): Promise<PgleakSession> {
    return PgleakSession.open(resolveConnectionTarget(dsn, {}))
  }

  it('holds exactly one connection, named pgleak, and leaves it out of its snapshot', async () => {
    const session = await open()
    try {
      const named = await db().admin<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = 'pgleak'`)
      expect(named.map((r) => r.pid)).toEqual([session.backendPid])
      const snapshot = await readSnapshot(session, 180000)
      expect(snapshot.backends.map((b) => b.pid)).not.toContain(session.backendPid)
      expect(snapshot.backends.some((b) => b.backendType === 'client backend' && b.application === 'pgleak-test-admin')).toBe(false)
      expect(Math.abs(snapshot.sampledAtMillis - Date.now())).toBeLessThan(60_000)
    } finally {
      await session.close()
    }
  })

  it('cannot write, and runs its queries under statement and lock timeouts', async () => {
    const session = await open()
    try {
      await expect(session.query('CREATE TABLE pgleak_must_not_write (id int)')).rejects.toThrow(/read-only transaction/)
      const [timeouts] = await session.query<{ statement: string; lock: string }>(
        `SELECT current_setting('statement_timeout') AS statement, current_setting('lock_timeout') AS lock`,
      )
      expect(timeouts).toEqual({ statement: '10s', lock: '1s' })
    } finally {
      await session.close()
    }
  })

  it('reads a password from the pgpass file when the DSN has none', async () => {
    const { mkdtempSync, writeFileSync, chmodSync } = await import('node:fs')
    const { join } = await import('node:path')
    const { tmpdir } = await import('node:os')
    const file = join(mkdtempSync(join(tmpdir(), 'pgleak-pgpass-')), 'pgpass')
    const url = new URL(db().url())
    writeFileSync(file, `127.0.0.1:${url.port}:*:postgres:${decodeURIComponent(url.password)}\n`)
    chmodSync(file, 0o600)
    url.password = ''
    const session = await PgleakSession.open(resolveConnectionTarget(url.toString(), {}), { env: { PGPASSFILE: file } })
    expect(session.backendPid).toBeGreaterThan(0)
    await session.close()
  })
})
