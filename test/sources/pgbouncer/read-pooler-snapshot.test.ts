import { describe, expect, it } from 'vitest'
import { poolerTimeMillis, readPoolerSnapshot, type AdminConsole } from '../../../src/sources/pgbouncer/read-pooler-snapshot.js'

/** The admin console's answers, as PgBouncer 1.18 gave them (column names and value types as node-postgres returns them). */
function console18(overrides: Partial<Record<string, Record<string, unknown>[]>> = {}): AdminConsole {
  const answers: Record<string, Record<string, unknown>[]> = {
    POOLS: [
      { database: 'pgbouncer', user: 'pgbouncer', cl_active: 1, cl_waiting: 0, sv_active: 0, sv_idle: 0, sv_used: 0, sv_login: 0, maxwait: 0, maxwait_us: 0, pool_mode: 'statement' },
      { database: 'shop', user: 'app', cl_active: 10, cl_waiting: 3, sv_active: 10, sv_idle: 0, sv_used: 0, sv_login: 0, maxwait: 4, maxwait_us: 500000, pool_mode: 'session' },
    ],
    CLIENTS: [
      { type: 'C', user: 'pgleak', database: 'pgbouncer', state: 'active', addr: '127.0.0.1', port: 41846, connect_time: '2026-11-29 22:57:47 UTC', request_time: '2026-11-29 22:57:47 UTC', ptr: '0x1', link: '', remote_pid: 0, application_name: 'pgleak' },
      { type: 'C', user: 'app', database: 'shop', state: 'active', addr: '10.0.0.7', port: 41840, connect_time: '2026-11-29 22:57:40 UTC', request_time: '2026-11-29 22:57:41 UTC', ptr: '0x2', link: '0x9', remote_pid: 0, application_name: 'report-svc' },
    ],
    SERVERS: [{ type: 'S', user: 'app', database: 'shop', state: 'active', addr: '10.0.0.2', port: 5432, connect_time: '2026-11-29 22:57:40 UTC', request_time: '2026-11-29 22:57:41 UTC', ptr: '0x9', link: '0x2', remote_pid: 19208, application_name: 'report-svc' }],
    DATABASES: [
      { name: 'pgbouncer', pool_size: 2, reserve_pool: 0, max_connections: 0, current_connections: 0 },
      { name: 'shop', pool_size: 10, reserve_pool: 2, max_connections: 0, current_connections: 10 },
    ],
    CONFIG: [
      { key: 'max_client_conn', value: '20' },
      { key: 'default_pool_size', value: '10' },
      { key: 'pool_mode', value: 'session' },
    ],
    VERSION: [{ version: 'PgBouncer 1.18.0' }],
    ...overrides,
  }
  return { show: async (what) => answers[what] ?? [] }
}

describe("reading PgBouncer's admin console", () => {
  it('reads pools, clients, servers, databases and config by column name, leaving the console itself out', async () => {
    const look = await readPoolerSnapshot(console18(), 'pgleak@pgbouncer:6432/pgbouncer', 1)
    expect(look.pools).toEqual([expect.objectContaining({ database: 'shop', clientsWaiting: 3, serversActive: 10, maxWaitSeconds: 4.5, poolMode: 'session' })])
    expect(look.clients.map((c) => [c.application, c.link, c.connectMillis])).toEqual([['report-svc', '0x9', Date.UTC(2026, 10, 29, 22, 57, 40)]])
    expect(look.servers.map((s) => [s.id, s.remotePid])).toEqual([['0x9', 19208]])
    expect(look.databases).toEqual([{ name: 'shop', poolSize: 10, reservePool: 2, maxConnections: 0, currentConnections: 10, maxClientConnections: 0, currentClientConnections: 0 }])
    expect(look.config).toMatchObject({ maxClientConn: 20, defaultPoolSize: 10, reservePoolSize: 0, poolMode: 'session' })
    expect(look.version).toBe('PgBouncer 1.18.0')
  })

  it('takes the columns newer versions renamed or added, and missing ones as their defaults', async () => {
    // 1.25 shapes: an `id` beside `ptr` gone, maxwait only in microseconds, reserve_pool_size, no VERSION answer.
    const look = await readPoolerSnapshot(
      console18({
        POOLS: [{ database: 'shop', user: 'app', cl_active: 1, cl_waiting: 1, sv_active: 1, maxwait_us: 2500000, load_balance_hosts: null }],
        CLIENTS: [{ id: 17, user: 'app', database: 'shop', state: 'waiting', addr: '10.0.0.7', port: 1, connect_time: '2026-11-29 22:57:40.123 UTC', request_time: '', link: '(nil)', application_name: '' }],
        DATABASES: [{ name: 'shop', pool_size: 5, reserve_pool_size: 1, max_db_connections: 8, current_connections: 1, max_client_connections: 40, current_client_connections: 3 }],
        CONFIG: [],
      }),
      'p',
      1,
    )
    expect(look.pools[0]).toMatchObject({ maxWaitSeconds: 2.5, serversIdle: 0, poolMode: '' })
    expect(look.clients[0]).toMatchObject({ id: '17', link: null, requestMillis: null, application: '' })
    expect(look.databases[0]).toEqual({ name: 'shop', poolSize: 5, reservePool: 1, maxConnections: 8, currentConnections: 1, maxClientConnections: 40, currentClientConnections: 3 })
    expect(look.config).toMatchObject({ maxClientConn: 100, defaultPoolSize: 20, poolMode: 'session' })
  })

  it("reads PgBouncer's times, with or without fractions and zones", () => {
    expect(poolerTimeMillis('2026-11-29 22:57:47 UTC')).toBe(Date.UTC(2026, 10, 29, 22, 57, 47))
    expect(poolerTimeMillis('2026-11-29 22:57:47')).toBe(Date.UTC(2026, 10, 29, 22, 57, 47))
    expect(poolerTimeMillis('')).toBeNull()
    expect(poolerTimeMillis(null)).toBeNull()
    expect(poolerTimeMillis('yesterday')).toBeNull()
  })
})
