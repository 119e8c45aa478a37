// Polls that ask only for what changed must see exactly what a whole read sees
// at the same moment: quiet sessions kept as they were read, sessions that
// moved read again, what changes under a running statement (its wait, its
// xmin age, its blockers) kept current, and a session never read whole read
// whole.
import { describe, expect, it } from 'vitest'
import type { Backend } from '../../src/core/backend.js'
import type { Snapshot } from '../../src/core/snapshot.js'
import { resolveConnectionTarget } from '../../src/sources/pg/connection-target.js'
import { PgleakSession, type Queryable } from '../../src/sources/pg/pgleak-session.js'
import { readSnapshot, SnapshotReader } from '../../src/sources/pg/read-snapshot.js'
import { SNAPSHOT_COLUMNS } from '../../src/sources/pg/snapshot-query.js'
import { sleep } from '../support/run-cli.js'
import { useTestDatabase } from '../support/test-database.js'

/** What a poll says of each client session, in pid order: every field the detectors read but the clock-bound ones. */
function sessions(snapshot: Snapshot): unknown[] {
  return snapshot.backends
    .filter((b) => b.backendType === 'client backend')
    .sort((a, b) => a.pid - b.pid)
    .map((b) => [b.pid, b.backendStartMillis, b.state, b.application, b.user, b.database, b.clientAddr, b.waitEventType, b.waitEvent, b.xminAge, [...b.blockedBy], b.query, b.stateChangeMillis, b.queryStartMillis, b.xactStartMillis])
}

describe('the snapshot reader', () => {
  const db = useTestDatabase()

  it('later polls see what a whole read sees, keep quiet sessions as the same objects, and follow what moves', { timeout: 30_000 }, async () => {
    const session = await PgleakSession.open(resolveConnectionTarget(db().url(), {}))
    try {
      const idle = await db().openSession({ application: 'quiet' })
      await idle.query('SELECT 1')
      const holder = await db().openSession({ application: 'holder' })
      await holder.query('CREATE TABLE IF NOT EXISTS reader_lock (id int)')
      await holder.query('BEGIN')
      await holder.query('LOCK TABLE reader_lock IN ACCESS EXCLUSIVE MODE')
      const waiter = await db().openSession({ application: 'waiter' })
      const waiting = waiter.query('SELECT * FROM reader_lock').catch(() => undefined)
      const reader = new SnapshotReader(db().major * 10000)
      await sleep(300)
      await reader.read(session)
      // A session quiet since five seconds before the last poll (the margin) comes as a stable line.
      await sleep(5500)
      const first = await reader.read(session)
      await sleep(500)
      const second = await reader.read(session)
      expect(sessions(second)).toEqual(sessions(await readSnapshot(session, db().major * 10000)))
      const quietFirst = first.backends.find((b) => b.application === 'quiet')!
      expect(second.backends.find((b) => b.application === 'quiet')).toBe(quietFirst)
      // The waiter has waited all along: its blocker is still named on its stable line.
      expect(second.backends.find((b) => b.application === 'waiter')?.blockedBy).toEqual([first.backends.find((b) => b.application === 'holder')!.pid])

      // A session that runs a statement, and one that ends, are seen at the next poll.
      await idle.query('SELECT 2')
      await holder.query('COMMIT')
      await waiting
      await sleep(300)
      const third = await reader.read(session)
      expect(sessions(third)).toEqual(sessions(await readSnapshot(session, db().major * 10000)))
      const quietThird = third.backends.find((b) => b.application === 'quiet')!
      expect(quietThird).not.toBe(quietFirst)
      expect(quietThird.query).toBe('SELECT 2')
      expect(third.backends.find((b) => b.application === 'waiter')?.blockedBy).toEqual([])
    } finally {
      await session.close()
    }
  })

  it("leaves out a quiet server's stable text once read, and reads it again as soon as a session moves", { timeout: 30_000 }, async () => {
    const session = await PgleakSession.open(resolveConnectionTarget(db().url(), {}))
    try {
      const idle = await Promise.all(['one', 'two', 'three'].map((application) => db().openSession({ application })))
      for (const client of idle) await client.query('SELECT 1')
      const stableTexts: unknown[] = []
      const watched: Queryable = {
        query: (sql, values) => session.query(sql, values),
        queryArrays: async (name, sql, values) => {
          const rows = await session.queryArrays(name, sql, values)
          stableTexts.push(rows.find((row) => typeof row[SNAPSHOT_COLUMNS.indexOf('stable_hash')] === 'string')?.[SNAPSHOT_COLUMNS.indexOf('stable')])
          return rows
        },
      }
      const reader = new SnapshotReader(db().major * 10000)
      await reader.read(watched)
      await sleep(5500)
      // Quiet since five seconds before the last poll (the margin): from this poll on, stable.
      await reader.read(watched)
      await sleep(300)
      const first = await reader.read(watched)
      await sleep(300)
      const second = await reader.read(watched)
      // Whole, then the three quiet sessions as text, then not even that: the server sent its hash only.
      expect(stableTexts.slice(0, 2)).toEqual([undefined, undefined])
      expect(String(stableTexts[2]).split('\n')).toHaveLength(3)
      expect(stableTexts[3]).toBeNull()
      expect(sessions(second)).toEqual(sessions(await readSnapshot(session, db().major * 10000)))
      for (const backend of second.backends.filter((b) => b.backendType === 'client backend')) expect(first.backends).toContain(backend)

      await idle[0]!.query('SELECT 2')
      await sleep(300)
      const third = await reader.read(watched)
      // 'one' ran a statement: it comes whole, and the two others as a new text.
      expect(String(stableTexts[4]).split('\n')).toHaveLength(2)
      expect(sessions(third)).toEqual(sessions(await readSnapshot(session, db().major * 10000)))
      expect(third.backends.find((b) => b.application === 'one')?.query).toBe('SELECT 2')
    } finally {
      await session.close()
    }
  })

  it('reads every row whole when a stable line names a session it never read', async () => {
    const session = await PgleakSession.open(resolveConnectionTarget(db().url(), {}))
    try {
      await (await db().openSession({ application: 'old-timer' })).query('SELECT 1')
      const sinceValues: unknown[] = []
      // A reader whose first poll missed a session: it forgets what it read, as if that session
      // had started between the last poll's clock and its read of pg_stat_activity.
      const forgetful: Queryable = {
        query: (sql, values) => session.query(sql, values),
        queryArrays: async (name, sql, values) => {
          sinceValues.push(values[1])
          const rows = await session.queryArrays(name, sql, values)
          return values[1] === null ? rows.filter((row) => row[9] !== 'old-timer') : rows
        },
      }
      const reader = new SnapshotReader(db().major * 10000)
      const first = await reader.read(forgetful)
      expect(first.backends.some((b: Backend) => b.application === 'old-timer')).toBe(false)
      await sleep(5500)
      const second = await reader.read(session)
      expect(second.backends.some((b) => b.application === 'old-timer')).toBe(true)
      // The first read was whole, the second asked for what changed, found a stranger, and read whole.
      expect(sinceValues).toEqual([null])
      expect(sessions(second)).toEqual(sessions(await readSnapshot(session, db().major * 10000)))
    } finally {
      await session.close()
    }
  })

  it('reads through a Queryable that has no array rows, as one outside pgleak may be, the same as through the session', async () => {
    const session = await PgleakSession.open(resolveConnectionTarget(db().url(), {}))
    try {
      await (await db().openSession({ application: 'plain-rows' })).query('SELECT 1')
      const plain: Queryable = { query: (sql, values) => session.query(sql, values) }
      const reader = new SnapshotReader(db().major * 10000)
      await reader.read(plain)
      await sleep(5500)
      await reader.read(plain)
      const later = await reader.read(plain)
      expect(later.backends.some((b) => b.application === 'plain-rows')).toBe(true)
      expect(sessions(later)).toEqual(sessions(await readSnapshot(session, db().major * 10000)))
    } finally {
      await session.close()
    }
  })
})
