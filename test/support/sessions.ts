// Real sessions in the states pgleak looks for.
import type pg from 'pg'
import type { TestDatabase } from './test-database.js'
import { waitFor } from './run-cli.js'

/** A session that takes a row lock and stays idle in its transaction, and one that waits for that lock. */
export async function openBlockingPair(db: TestDatabase, holderApp: string, waiterApp: string): Promise<{ holder: pg.Client; holderPid: number; waiterPid: number }> {
  await db.admin('CREATE TABLE IF NOT EXISTS accounts (id int PRIMARY KEY, balance int)')
  await db.admin('INSERT INTO accounts VALUES (42, 100) ON CONFLICT DO NOTHING')
  const holder = await db.openSession({ application: holderApp })
  const waiter = await db.openSession({ application: waiterApp })
  const holderPid = await pidOf(holder)
  const waiterPid = await pidOf(waiter)
  await holder.query('BEGIN')
  await holder.query('UPDATE accounts SET balance = balance - 10 WHERE id = 42')
  // Not awaited: it waits on the holder's row lock until the test ends.
  waiter.query('UPDATE accounts SET balance = balance + 10 WHERE id = 42').catch(() => {})
  await waitFor(async () => {
    const rows = await db.admin<{ waiting: boolean }>(`SELECT wait_event_type = 'Lock' AS waiting FROM pg_stat_activity WHERE pid = $1`, [waiterPid])
    return rows[0]?.waiting === true
  })
  return { holder, holderPid, waiterPid }
}

export async function pidOf(client: pg.Client): Promise<number> {
  const result = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
  return result.rows[0]!.pid
}

/** Opens `count` idle sessions of one application, like a warmed-up pool. */
export async function openIdleSessions(db: TestDatabase, count: number, options: { application: string; user?: string; password?: string; database?: string }): Promise<pg.Client[]> {
  const clients: pg.Client[] = []
  for (let i = 0; i < count; i++) clients.push(await db.openSession(options))
  return clients
}
