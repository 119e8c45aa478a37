import { isBackendState, type Backend } from '../../core/backend.js'
import { withoutPasswordLiterals } from '../../core/mask-secrets.js'
import type { ServerSettings, Snapshot } from '../../core/snapshot.js'
import type { Queryable } from './pgleak-session.js'
import { SETTINGS_QUERY } from './settings-query.js'
import { INSUFFICIENT_PRIVILEGE, SNAPSHOT_COLUMNS, snapshotQueryFor } from './snapshot-query.js'

/** A snapshot row as node-postgres gives it in array mode, in SNAPSHOT_COLUMNS' order. */
type SnapshotCells = readonly unknown[]

const NO_PIDS: readonly number[] = Object.freeze([])

/** Column positions in a snapshot row. */
const COLUMN = Object.fromEntries(SNAPSHOT_COLUMNS.map((name, index) => [name, index])) as { readonly [K in (typeof SNAPSHOT_COLUMNS)[number]]: number }

const text = (cell: unknown): string | null => (typeof cell === 'string' ? cell : null)
const num = (cell: unknown): number | null => (typeof cell === 'number' ? cell : null)

/** One backend from a row the server sent whole. */
function backendOf(row: SnapshotCells): Backend {
  const query = text(row[COLUMN.query])
  const isVisible = query !== INSUFFICIENT_PRIVILEGE
  const state = row[COLUMN.state]
  const clientPort = num(row[COLUMN.client_port])
  const blockedBy = row[COLUMN.blocked_by]
  return {
    pid: row[COLUMN.pid] as number,
    backendStartMillis: num(row[COLUMN.backend_start]),
    xactStartMillis: num(row[COLUMN.xact_start]),
    stateChangeMillis: num(row[COLUMN.state_change]),
    queryStartMillis: num(row[COLUMN.query_start]),
    state: isBackendState(state) ? state : null,
    backendType: text(row[COLUMN.backend_type]),
    application: text(row[COLUMN.application_name]) ?? '',
    user: text(row[COLUMN.usename]),
    database: text(row[COLUMN.datname]),
    clientAddr: text(row[COLUMN.client_addr]),
    clientPort: clientPort !== null && clientPort >= 0 ? clientPort : null,
    waitEventType: text(row[COLUMN.wait_event_type]),
    waitEvent: text(row[COLUMN.wait_event]),
    xminAge: num(row[COLUMN.xmin_age]),
    blockedBy: Array.isArray(blockedBy) && blockedBy.length > 0 ? (blockedBy as number[]) : NO_PIDS,
    query: isVisible && query ? withoutPasswordLiterals(query) : null,
    isVisible,
  }
}

/** What the last poll read: its backends, and the `stable` line each quiet one came as. */
interface LastPoll {
  readonly backends: readonly Backend[]
  /** The backends by pid, made when a changed `stable` text needs them: a quiet poll does not. */
  byPid?: Map<number, Backend>
  readonly stableLines: ReadonlyMap<number, string>
  /** The server's hash of the whole `stable` text, and the backends it gave: on a quiet server the next text is the same, and not sent. */
  readonly stableHash: string | null
  readonly stableBackends: readonly Backend[]
}

const NOTHING_READ: LastPoll = { backends: [], stableLines: new Map(), stableHash: null, stableBackends: [] }

interface StableRead {
  lines: Map<number, string>
  hash: string | null
  backends: Backend[]
}

/**
 * The snapshot in these rows: the whole rows, and the sessions of the `stable` text taken from what
 * the last poll read of them, with their wait event, xmin age and blockers as they are now.
 * Undefined when the text names a session not read whole before (one that started just before the
 * last poll read its rows), or is left out under a hash other than the last one's (which the server
 * does not do): the caller then reads every row whole.
 */
function snapshotOf(rows: readonly SnapshotCells[], last: LastPoll, read: StableRead): Snapshot | undefined {
  const first = rows[0]
  const backends: Backend[] = []
  for (const row of rows) {
    if (typeof row[COLUMN.pid] === 'number') backends.push(backendOf(row))
    const hash = row[COLUMN.stable_hash]
    if (typeof hash !== 'string') continue
    read.hash = hash
    const stable = row[COLUMN.stable]
    if (typeof stable === 'string') {
      if (!addStable(stable, last, read.backends, read.lines)) return undefined
    } else if (hash === last.stableHash) {
      // The server left out the text: it is the one read last time.
      read.lines = last.stableLines as Map<number, string>
      read.backends = last.stableBackends as Backend[]
    } else return undefined
    for (const backend of read.backends) backends.push(backend)
  }
  return { sampledAtMillis: num(first?.[COLUMN.sampled_at]) ?? Number.NaN, backends, sessionsEstablished: num(first?.[COLUMN.sessions_established]) }
}

const NO_VALUE = '-'

/**
 * Lines of `pid wait_event_type wait_event xmin_age blockers`. A line the same as the session's line
 * at the last poll gives the same backend object (nothing to decode, and what is derived from it
 * downstream can be kept too); only a changed line is split. False when a pid was never read whole.
 */
function addStable(text: string, last: LastPoll, backends: Backend[], stableLines: Map<number, string>): boolean {
  const byPid = lastBackendsByPid(last)
  for (let at = 0; at < text.length; ) {
    let end = text.indexOf('\n', at)
    if (end === -1) end = text.length
    const line = text.slice(at, end)
    at = end + 1
    const pid = leadingInteger(line)
    const previous = byPid.get(pid)
    if (!previous) return false
    stableLines.set(pid, line)
    if (last.stableLines.get(pid) === line) {
      backends.push(previous)
      continue
    }
    const [, waitEventType, waitEvent, xminAge, blockers] = line.split(' ')
    const type = waitEventType === NO_VALUE ? null : waitEventType!
    const event = waitEvent === NO_VALUE ? null : waitEvent!
    const age = xminAge === NO_VALUE ? null : Number(xminAge)
    const blockedBy = blockers === NO_VALUE || blockers === undefined ? NO_PIDS : blockers.split(',').map(Number)
    const isSame = previous.waitEventType === type && previous.waitEvent === event && previous.xminAge === age && sameNumbers(previous.blockedBy, blockedBy)
    backends.push(isSame ? previous : { ...previous, waitEventType: type, waitEvent: event, xminAge: age, blockedBy })
  }
  return true
}

function lastBackendsByPid(last: LastPoll): ReadonlyMap<number, Backend> {
  if (!last.byPid) {
    last.byPid = new Map()
    for (const backend of last.backends) last.byPid.set(backend.pid, backend)
  }
  return last.byPid
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index])
}

/** The digits a line starts with, as a number: a pid, read without cutting a string for it. */
function leadingInteger(line: string): number {
  let value = 0
  for (let i = 0; i < line.length; i++) {
    const digit = line.charCodeAt(i) - 48
    if (digit < 0 || digit > 9) break
    value = value * 10 + digit
  }
  return value
}

/** Longest query text kept per backend; pg_stat_activity itself stops at track_activity_query_size (1 kB by default). */
export const QUERY_TEXT_LIMIT = 1024

/**
 * A session idle since this long before the last poll is sent as unchanged. The margin covers a
 * session that started between the last poll's clock reading and its read of pg_stat_activity.
 */
const SINCE_MARGIN_MILLIS = 5000

/** The statement's name on pgleak's connection: parsed and planned once, not at every poll. */
const STATEMENT_NAME = 'pgleak_snapshot'

async function snapshotRows(db: Queryable, sql: string, sinceMillis: number | null, stableHash: string | null): Promise<readonly SnapshotCells[]> {
  const values = [QUERY_TEXT_LIMIT, sinceMillis, stableHash]
  if (db.queryArrays) return db.queryArrays(STATEMENT_NAME, sql, values)
  const rows = await db.query(sql, values)
  return rows.map((row) => SNAPSHOT_COLUMNS.map((column) => row[column]))
}

/**
 * Reads snapshots over one connection, asking the server only for what changed since its last
 * read. A new connection gets a new reader, whose first read is whole.
 */
export class SnapshotReader {
  readonly #sql: string
  #last: LastPoll = NOTHING_READ
  #lastSampledAtMillis: number | undefined

  constructor(versionNum: number) {
    this.#sql = snapshotQueryFor(versionNum)
  }

  async read(db: Queryable): Promise<Snapshot> {
    const since = this.#lastSampledAtMillis === undefined ? null : this.#lastSampledAtMillis - SINCE_MARGIN_MILLIS
    let stable: StableRead = { lines: new Map(), hash: null, backends: [] }
    let snapshot = since === null ? undefined : snapshotOf(await snapshotRows(db, this.#sql, since, this.#last.stableHash), this.#last, stable)
    if (!snapshot) {
      stable = { lines: new Map(), hash: null, backends: [] }
      snapshot = snapshotOf(await snapshotRows(db, this.#sql, null, null), NOTHING_READ, stable)!
    }
    this.#last = { backends: snapshot.backends, stableLines: stable.lines, stableHash: stable.hash, stableBackends: stable.backends }
    if (Number.isFinite(snapshot.sampledAtMillis)) this.#lastSampledAtMillis = snapshot.sampledAtMillis
    return snapshot
  }
}

/** One snapshot, every row whole: for a one-off look (audit). */
export async function readSnapshot(db: Queryable, versionNum: number): Promise<Snapshot> {
  return new SnapshotReader(versionNum).read(db)
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
