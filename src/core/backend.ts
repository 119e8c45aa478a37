// What one row of pg_stat_activity says about one server process, in the
// units pgleak works in (epoch milliseconds on the server's clock).

export const BACKEND_STATES = [
  'active',
  'idle',
  'idle in transaction',
  'idle in transaction (aborted)',
  'fastpath function call',
  'disabled',
  'starting',
] as const
export type BackendState = (typeof BACKEND_STATES)[number]

export function isBackendState(value: unknown): value is BackendState {
  return typeof value === 'string' && (BACKEND_STATES as readonly string[]).includes(value)
}

export interface Backend {
  readonly pid: number
  /** pid + backend_start: pids are reused, so this is what identifies a session across polls. */
  readonly backendStartMillis: number | null
  readonly xactStartMillis: number | null
  readonly stateChangeMillis: number | null
  readonly queryStartMillis: number | null
  /** null for rows the polling role may not see, and for most background processes. */
  readonly state: BackendState | null
  /** null for rows the polling role may not see (PostgreSQL hides it with the rest). */
  readonly backendType: string | null
  readonly application: string
  readonly user: string | null
  readonly database: string | null
  readonly clientAddr: string | null
  readonly clientPort: number | null
  readonly waitEventType: string | null
  readonly waitEvent: string | null
  /** age(backend_xmin): how far this session holds vacuum back, in transactions. */
  readonly xminAge: number | null
  /** pg_blocking_pids(pid), computed only for sessions waiting on a lock. */
  readonly blockedBy: readonly number[]
  /** Last query text, truncated; null when hidden. */
  readonly query: string | null
  /** false when the polling role lacks pg_read_all_stats for this row's role. */
  readonly isVisible: boolean
}

export type BackendRole = 'client' | 'background' | 'walsender' | 'hidden-client' | 'hidden-background'

/**
 * Sorts a backend into what it means for the connection slots. Rows hidden by
 * missing privileges have no backend_type; one with a database is almost
 * certainly a client session (background processes have no database, bar
 * autovacuum and parallel workers, which run as no role or briefly).
 */
export function backendRole(backend: Backend): BackendRole {
  if (!backend.isVisible || backend.backendType === null) {
    return backend.database !== null && backend.user !== null ? 'hidden-client' : 'hidden-background'
  }
  if (backend.backendType === 'client backend') return 'client'
  if (backend.backendType === 'walsender') return 'walsender'
  return 'background'
}

export function isClientBackend(backend: Backend): boolean {
  const role = backendRole(backend)
  return role === 'client' || role === 'hidden-client'
}

export function isIdleInTransaction(backend: Backend): boolean {
  return backend.state === 'idle in transaction' || backend.state === 'idle in transaction (aborted)'
}

/** A connection whose last statement ended this soon after it connected was used right after connecting and never since. */
export const USED_ONCE_SECONDS = 3

export function isUsedOnlyAtConnect(backend: Backend): boolean {
  const { backendStartMillis, stateChangeMillis } = backend
  return backendStartMillis !== null && stateChangeMillis !== null && stateChangeMillis - backendStartMillis <= USED_ONCE_SECONDS * 1000
}

const LISTEN_QUERY = /^\s*(?:LISTEN|UNLISTEN)\s/i

/** A session whose last statement was LISTEN is held open on purpose to receive notifications. */
export function isListenSession(backend: Backend): boolean {
  return backend.state === 'idle' && backend.query !== null && LISTEN_QUERY.test(backend.query)
}
