// What pool logs say, whatever wrote them: a pool handing out a connection,
// getting it back, opening or closing one, timing out; and what server logs
// say about sessions. Every parser turns its lines into these.

export const POOL_EVENT_TYPES = [
  /** A new physical connection was opened by the pool. */
  'connect',
  /** The pool handed a connection to the application. */
  'checkout',
  /** The application gave it back. */
  'checkin',
  /** The pool closed a physical connection (or removed it). */
  'close',
  /** The pool marked a connection unusable (it will be closed). */
  'invalidate',
  /** The whole pool was disposed or recreated (engine.dispose(), pool.end()). */
  'dispose',
  /** Waiting for a connection from the pool timed out: the pool is exhausted. */
  'pool-timeout',
  /** The server refused a connection: too many clients, slots reserved, role or database limit. */
  'too-many-clients',
  /** A checked-out connection was garbage-collected without being returned (SQLAlchemy async). */
  'gc-leak',
  /** A leak detector fired (HikariCP leakDetectionThreshold). */
  'leak-warning',
  /** A connection a leak detector reported came back (HikariCP "unleaked"). */
  'unleaked',
  /** A server session began (log_connections: connection authorized). */
  'session-start',
  /** A server session ended (log_disconnections), with its length. */
  'session-end',
  /** A pool's own counters (HikariCP pool stats, pgleak schema `stats`). */
  'stats',
] as const
export type PoolEventType = (typeof POOL_EVENT_TYPES)[number]

/** The library whose log (or instrumentation) an event came from; advice is tailored to it. */
export const POOL_LOG_SOURCES = ['sqlalchemy', 'psycopg_pool', 'node-postgres', 'hikaricp', 'pgleak', 'postgres', 'application'] as const
export type PoolLogSource = (typeof POOL_LOG_SOURCES)[number]

export interface PoolEvent {
  readonly type: PoolEventType
  readonly source: PoolLogSource
  /** Epoch milliseconds, or null when the line has no time (basicConfig's `LEVEL:logger:message`). */
  readonly atMillis: number | null
  /** 1-based line number in its file, for evidence. */
  readonly line: number
  /** Which pool: the logger name, pool name or id, with the process when the log has one. */
  readonly pool: string
  /** Which connection within the pool: a driver object address, a client id, a HikariCP connection name. */
  readonly connection?: string
  /** The server process (pg_stat_activity.pid) behind the connection, when the log tells it. */
  readonly backendPid?: number
  readonly process?: number
  readonly thread?: string
  /** The code that checked the connection out, innermost frame first, when the log has it. */
  readonly stack?: readonly string[]
  readonly poolSize?: number
  readonly maxOverflow?: number
  readonly timeoutSeconds?: number
  /** Application name, user, database of a server session (session-start / session-end). */
  readonly application?: string
  readonly user?: string
  readonly database?: string
  /** Length of a server session (session-end). */
  readonly sessionSeconds?: number
  /** Pool counters (stats). */
  readonly total?: number
  readonly active?: number
  readonly idle?: number
  readonly waiting?: number
  /** The message as written, trimmed: for evidence. */
  readonly text?: string
}

/** Lines a parser could not use; counted and reported, never fatal. */
export interface SkippedLineCount {
  count: number
  readonly firstLineNumbers: number[]
  /** Lines cut because they were longer than the limit. */
  overLong: number
  /** Lines with NUL bytes or invalid UTF-8, as in a binary file. */
  binary: number
}

export function noSkippedLines(): SkippedLineCount {
  return { count: 0, firstLineNumbers: [], overLong: 0, binary: 0 }
}

/** Counts a skipped line, keeping the first few line numbers in order whichever way they come. */
export function noteSkippedLine(skipped: SkippedLineCount, lineNumber: number, why?: 'overLong' | 'binary'): void {
  skipped.count++
  if (why) skipped[why]++
  const lines = skipped.firstLineNumbers
  if (lines.length < 5 || lineNumber < lines[lines.length - 1]!) {
    lines.push(lineNumber)
    lines.sort((a, b) => a - b)
    if (lines.length > 5) lines.pop()
  }
}
