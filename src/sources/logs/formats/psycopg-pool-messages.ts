// Every message psycopg_pool (3.1 to 3.3) logs under `psycopg.pool`, read
// from its source: what each says about the pool, and which pool it names.
// The pool is named by `%r` of its name (`'pool-1'`, `'orders'`), never by a
// connection: the library's messages carry no connection id at all, and some
// (a connection added, one discarded) carry no pool either, so the parser
// works out whose they are from the lines around them.

/** What a message says, as pgleak reads it. */
export type PoolMessageKind =
  /** `connection given by %r`: getconn() returned a connection. */
  | 'checkout'
  /** `returning connection to %r`: putconn(), also at the end of `with pool.connection()`. */
  | 'checkin'
  /** `adding new connection to the pool`: a worker opened one (no pool named). */
  | 'connect'
  /** A connection closed and dropped: shrinking (pool named), or discarded as broken, closed, expired (no pool named). */
  | 'close'
  /** `pool %r closed` (DEBUG): close() ran; the idle connections are closed without a word each. */
  | 'dispose'
  /** `connection requested from %r`: getconn() was called; given or timed out later. */
  | 'requested'
  /** `task running in <thread>: <AddConnection %r at 0x...>` (DEBUG): which pool's worker is about to connect. */
  | 'task'
  /** `error connecting in %r: <error>`: a worker's connection attempt failed (the server may have refused it). */
  | 'connect-failed'
  /** Known, and nothing pgleak counts: growing, waiting, ready, resizing, workers stopping, warnings about returned connections. */
  | 'quiet'

export interface PoolMessage {
  readonly kind: PoolMessageKind
  /** The pool's name, unquoted, when the message names one. */
  readonly pool?: string
  /** `task`: the worker thread the message names, and the task's class. */
  readonly workerThread?: string
  readonly task?: string
  /** `connect-failed`: the error as written. */
  readonly error?: string
}

/**
 * A pool as `%r` writes its name: `'pool-1'`, or `"it's"` when the name has a quote; or the pool's own
 * repr, `<psycopg_pool.pool.ConnectionPool 'pool-1' at 0x7f...>`, which no version logs today but
 * custom messages and future ones may.
 */
const POOL = `(?:'((?:[^'\\\\]|\\\\.)*)'|"((?:[^"\\\\]|\\\\.)*)"|<[\\w.]+ '((?:[^'\\\\]|\\\\.)*)' at 0x[0-9a-fA-F]+>)`

interface MessageRule {
  readonly kind: PoolMessageKind
  /** Sticky: matched where the message starts. */
  readonly pattern: RegExp
}

const rule = (kind: PoolMessageKind, pattern: string): MessageRule => ({ kind, pattern: new RegExp(pattern.replaceAll('POOL', POOL), 'y') })

/** With the level each is logged at (3.1.5's pool.py unless said). */
const RULES: readonly MessageRule[] = [
  rule('checkout', 'connection given by POOL'), // INFO
  rule('checkin', 'returning connection to POOL'), // INFO
  rule('requested', 'connection requested from POOL'), // INFO
  rule('connect', 'adding new connection to the pool'), // INFO
  rule('dispose', 'pool POOL closed\\b'), // DEBUG
  rule('task', 'task running in (.+?): <(\\w+) POOL at 0x[0-9a-fA-F]+>'), // DEBUG
  rule('connect-failed', 'error connecting in POOL: (.*)'), // WARNING
  rule('close', 'shrinking pool POOL to \\d+ because'), // INFO
  rule('close', 'discarding (?:broken|closed) connection: '), // WARNING
  rule('close', 'discarding expired connection'), // INFO (3.2 adds the connection)
  rule('close', 'not serving connection found broken'), // INFO, 3.2: a connection that failed the `check` callback
  rule('close', 'closing returned connection: '), // WARNING: returned in the middle of a query
  rule('close', 'rollback failed: .*\\. Discarding connection '), // WARNING
  rule('close', 'error resetting connection: '), // WARNING: the `reset` callback failed
  rule('quiet', 'growing pool POOL to \\d+'), // INFO
  rule('quiet', 'waiting for pool POOL initialization'), // INFO
  rule('quiet', 'pool POOL is ready to use'), // INFO
  rule('quiet', 'resizing POOL to min_size='), // INFO
  rule('quiet', 'reconnection attempt in pool POOL failed after '), // WARNING
  rule('quiet', 'rolling back returned connection: '), // WARNING: returned inside a transaction, then kept
  rule('quiet', 'connection failed check: '), // INFO, 3.2
  rule('quiet', 'task (?:run|tick) discarded: '), // DEBUG
  rule('quiet', 'task run .* failed: '), // WARNING
  rule('quiet', 'terminating working (?:thread|task) '), // DEBUG
  rule('quiet', "couldn't stop (?:thread|task) .* within "), // WARNING
  rule('quiet', 'hint: '), // WARNING, 3.2, after "couldn't stop"
  rule('quiet', 'scheduled task run .* failed: '), // WARNING (logged by psycopg_pool.sched in the versions read)
]

/** The first letters of the messages: most places in a line start none of them, and are passed over without a regex. */
const FIRST_LETTERS = new Set(RULES.map((r) => r.pattern.source.charCodeAt(0)))

function unquoted(match: RegExpExecArray, from: number): string | undefined {
  const name = match[from] ?? match[from + 1] ?? match[from + 2]
  // `%r` escapes backslashes and the quote it chose; the name is what it escaped.
  return name?.replace(/\\(.)/g, '$1')
}

/** The message of psycopg_pool's that starts at `at` in `line`, if one does. */
export function poolMessageAt(line: string, at: number): PoolMessage | undefined {
  if (!FIRST_LETTERS.has(line.charCodeAt(at))) return undefined
  for (const { kind, pattern } of RULES) {
    pattern.lastIndex = at
    const match = pattern.exec(line)
    if (!match) continue
    switch (kind) {
      case 'task':
        return { kind, workerThread: match[1]!, task: match[2]!, ...named(match, 3) }
      case 'connect-failed':
        return { kind, ...named(match, 1), error: match[4] ?? '' }
      default:
        return { kind, ...named(match, 1) }
    }
  }
  return undefined
}

function named(match: RegExpExecArray, from: number): { pool?: string } {
  const pool = unquoted(match, from)
  return pool === undefined ? {} : { pool }
}

/** PoolTimeout's text (the pool does not log it: the application's traceback does): `after 2 sec` in 3.1, `after 2.00 sec` since 3.2. */
export const POOL_TIMEOUT_TEXT = "couldn't get a connection after "
export const POOL_TIMEOUT = /couldn't get a connection after (\d+(?:\.\d+)?) sec/
