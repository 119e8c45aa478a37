import { isBackendState, type Backend } from '../../core/backend.js'
import { withoutPasswordLiterals } from '../../core/mask-secrets.js'
import type { ServerSettings, Snapshot } from '../../core/snapshot.js'
import type { Queryable } from './pgleak-session.js'
import { SETTINGS_QUERY } from './settings-query.js'
import { INSUFFICIENT_PRIVILEGE, snapshotQueryFor } from './snapshot-query.js'

export interface SnapshotRow {
  readonly sampled_at: number
  readonly sessions_established?: number | null
  readonly pid: number | null
  readonly backend_start: number | null
  readonly xact_start: number | null
  readonly state_change: number | null
  readonly query_start: number | null
  readonly state: string | null
  readonly backend_type: string | null
  readonly application_name: string | null
  readonly usename: string | null
  readonly datname: string | null
  readonly client_addr: string | null
  readonly client_port: number | null
  readonly wait_event_type: string | null
  readonly wait_event: string | null
  readonly xmin_age: number | null
  readonly blocked_by: number[] | null
  readonly query: string | null
}

const NO_PIDS: readonly number[] = Object.freeze([])

export function toBackend(row: SnapshotRow & { pid: number }): Backend {
  const isVisible = row.query !== INSUFFICIENT_PRIVILEGE
  return {
    pid: row.pid,
    backendStartMillis: row.backend_start,
    xactStartMillis: row.xact_start,
    stateChangeMillis: row.state_change,
    queryStartMillis: row.query_start,
    state: isBackendState(row.state) ? row.state : null,
    backendType: row.backend_type,
    application: row.application_name ?? '',
    user: row.usename,
    database: row.datname,
    clientAddr: row.client_addr,
    clientPort: row.client_port !== null && row.client_port >= 0 ? row.client_port : null,
    waitEventType: row.wait_event_type,
    waitEvent: row.wait_event,
    xminAge: row.xmin_age,
    blockedBy: row.blocked_by && row.blocked_by.length > 0 ? row.blocked_by : NO_PIDS,
    query: isVisible && row.query ? withoutPasswordLiterals(row.query) : null,
    isVisible,
  }
}

export function toSnapshot(rows: readonly SnapshotRow[]): Snapshot {
  const sampledAtMillis = rows[0]?.sampled_at ?? Number.NaN
  const backends: Backend[] = []
  for (const row of rows) if (row.pid !== null) backends.push(toBackend(row as SnapshotRow & { pid: number }))
  return { sampledAtMillis, backends, sessionsEstablished: rows[0]?.sessions_established ?? null }
}

/** Longest query text kept per backend; pg_stat_activity itself stops at track_activity_query_size (1 kB by default). */
export const QUERY_TEXT_LIMIT = 1024

export async function readSnapshot(db: Queryable, versionNum: number): Promise<Snapshot> {
  return toSnapshot(await db.query<SnapshotRow & Record<string, unknown>>(snapshotQueryFor(versionNum), [QUERY_TEXT_LIMIT]))
}

interface SettingsRow {
  readonly version: string
  readonly version_num: number
  readonly max_connections: number
  readonly superuser_reserved_connections: number
  readonly reserved_connections: number
  readonly idle_in_transaction_session_timeout_ms: string | null
  readonly idle_session_timeout_ms: string | null
  readonly tcp_keepalives_idle_s: number | null
  readonly role_limits: Record<string, number>
  readonly database_limits: Record<string, number>
  readonly current_user: string
  readonly is_superuser: boolean | null
  readonly can_read_all_stats: boolean
}

export async function readServerSettings(db: Queryable): Promise<ServerSettings> {
  const [row] = await db.query<SettingsRow & Record<string, unknown>>(SETTINGS_QUERY)
  if (!row) throw new Error('the settings query returned no row')
  return {
    version: row.version,
    versionNum: row.version_num,
    maxConnections: row.max_connections,
    superuserReservedConnections: row.superuser_reserved_connections,
    reservedConnections: row.reserved_connections,
    idleInTransactionSessionTimeoutMillis: Number(row.idle_in_transaction_session_timeout_ms ?? 0),
    idleSessionTimeoutMillis: row.idle_session_timeout_ms === null ? null : Number(row.idle_session_timeout_ms),
    tcpKeepalivesIdleSeconds: row.tcp_keepalives_idle_s ?? 0,
    roleConnectionLimits: row.role_limits,
    databaseConnectionLimits: row.database_limits,
    currentUser: row.current_user,
    isSuperuser: row.is_superuser === true,
    canReadAllStats: row.can_read_all_stats,
  }
}
