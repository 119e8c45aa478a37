// The pooler's view from its admin console, read by column name: PgBouncer
// adds, renames and moves columns between versions (1.18 to 1.25), so no
// column is read by position and each has a fallback when it is missing.
import { ADMIN_DATABASE, type PoolerConfig, type PoolerConnection, type PoolerDatabase, type PoolerPool, type PoolerSnapshot } from '../../core/pooler.js'

type Row = Readonly<Record<string, unknown>>

/** The admin console speaks the simple query protocol only: statements without parameters. */
export interface AdminConsole {
  show(what: 'POOLS' | 'CLIENTS' | 'SERVERS' | 'DATABASES' | 'CONFIG' | 'VERSION'): Promise<Row[]>
}

function numberOf(row: Row, ...columns: string[]): number {
  for (const column of columns) {
    const value = row[column]
    if (value === null || value === undefined || value === '') continue
    const number = typeof value === 'number' ? value : Number(value)
    if (Number.isFinite(number)) return number
  }
  return 0
}

function textOf(row: Row, column: string): string {
  const value = row[column]
  return value === null || value === undefined ? '' : String(value)
}

/** `2026-11-29 22:57:47 UTC` (PgBouncer's timestamps), or null. */
export function poolerTimeMillis(value: unknown): number | null {
  if (typeof value !== 'string' || value === '') return null
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?: (\S+))?$/.exec(value)
  if (!match) return null
  const utc = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), Number(match[4]), Number(match[5]), Number(match[6]))
  // PgBouncer writes its log_timezone-free times in UTC unless the system zone says otherwise; a zone it names other than UTC is read by Date.
  if (match[7] === undefined || match[7] === 'UTC' || match[7] === 'GMT') return utc
  const parsed = Date.parse(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]} ${match[7]}`)
  return Number.isNaN(parsed) ? utc : parsed
}

function connectionOf(row: Row): PoolerConnection {
  const link = textOf(row, 'link')
  const remotePid = numberOf(row, 'remote_pid')
  return {
    id: textOf(row, 'ptr') || textOf(row, 'id'),
    link: link !== '' && link !== '(nil)' ? link : null,
    database: textOf(row, 'database'),
    user: textOf(row, 'user'),
    state: textOf(row, 'state'),
    addr: textOf(row, 'addr') || null,
    port: numberOf(row, 'port') || null,
    connectMillis: poolerTimeMillis(row.connect_time),
    requestMillis: poolerTimeMillis(row.request_time),
    application: textOf(row, 'application_name'),
    remotePid: remotePid > 0 ? remotePid : null,
  }
}

function poolOf(row: Row): PoolerPool {
  return {
    database: textOf(row, 'database'),
    user: textOf(row, 'user'),
    clientsActive: numberOf(row, 'cl_active'),
    clientsWaiting: numberOf(row, 'cl_waiting'),
    serversActive: numberOf(row, 'sv_active'),
    serversIdle: numberOf(row, 'sv_idle'),
    serversUsed: numberOf(row, 'sv_used'),
    serversLogin: numberOf(row, 'sv_login'),
    maxWaitSeconds: numberOf(row, 'maxwait') + numberOf(row, 'maxwait_us') / 1e6,
    poolMode: textOf(row, 'pool_mode'),
  }
}

function databaseOf(row: Row): PoolerDatabase {
  return {
    name: textOf(row, 'name'),
    poolSize: numberOf(row, 'pool_size'),
    reservePool: numberOf(row, 'reserve_pool', 'reserve_pool_size'),
    maxConnections: numberOf(row, 'max_connections', 'max_db_connections'),
    currentConnections: numberOf(row, 'current_connections'),
    maxClientConnections: numberOf(row, 'max_client_connections', 'max_db_client_connections'),
    currentClientConnections: numberOf(row, 'current_client_connections'),
  }
}

function configOf(rows: readonly Row[]): PoolerConfig {
  const values = new Map(rows.map((row) => [textOf(row, 'key'), textOf(row, 'value')]))
  const number = (key: string, fallback: number): number => {
    const value = Number(values.get(key))
    return Number.isFinite(value) && values.has(key) ? value : fallback
  }
  return {
    maxClientConn: number('max_client_conn', 100),
    defaultPoolSize: number('default_pool_size', 20),
    reservePoolSize: number('reserve_pool_size', 0),
    poolMode: values.get('pool_mode') ?? 'session',
    maxDbConnections: number('max_db_connections', 0),
    maxUserConnections: number('max_user_connections', 0),
  }
}

/** One look at the pooler; `ownClientPort` is pgleak's own admin connection, left out like the server's. */
export async function readPoolerSnapshot(console: AdminConsole, pooler: string, sampledAtMillis: number): Promise<PoolerSnapshot> {
  const [pools, clients, servers, databases, config, version] = [
    await console.show('POOLS'),
    await console.show('CLIENTS'),
    await console.show('SERVERS'),
    await console.show('DATABASES'),
    await console.show('CONFIG'),
    await console.show('VERSION').catch(() => []),
  ]
  const isApplication = (row: Row): boolean => textOf(row, 'database') !== ADMIN_DATABASE
  return {
    pooler,
    sampledAtMillis,
    version: version[0] ? textOf(version[0], 'version') : '',
    config: configOf(config),
    pools: pools.filter(isApplication).map(poolOf),
    clients: clients.filter(isApplication).map(connectionOf),
    servers: servers.filter(isApplication).map(connectionOf),
    databases: databases.filter((row) => textOf(row, 'name') !== ADMIN_DATABASE).map(databaseOf),
  }
}
