// What pools and servers say when there is no connection to be had, in the
// words of each library: whatever format a log is in, these lines mean the
// pool (or the server's max_connections) ran out. Every line of every log
// passes through here, so a line that mentions nothing of the kind must cost
// no more than one scan.

export type ExhaustionLibrary =
  | 'pg-pool'
  | 'knex'
  | 'prisma'
  | 'sequelize'
  | 'rails'
  | 'sqlalchemy'
  | 'psycopg_pool'
  | 'psycopg2'
  | 'hikaricp'
  | 'postgres'

export interface ExhaustionMatch {
  /** `pool-timeout`: waiting for a pooled connection failed; `too-many-clients`: the server refused one. */
  readonly type: 'pool-timeout' | 'too-many-clients'
  readonly library: ExhaustionLibrary
  readonly poolSize?: number
  readonly maxOverflow?: number
  readonly timeoutSeconds?: number
  /** The words matched, as written. */
  readonly text: string
}

interface ExhaustionText {
  readonly library: ExhaustionLibrary
  readonly type: ExhaustionMatch['type']
  readonly pattern: RegExp
  /** Pool size, overflow and timeout from the pattern's groups, when the text gives them. */
  readonly figures?: (match: RegExpExecArray) => Pick<ExhaustionMatch, 'poolSize' | 'maxOverflow' | 'timeoutSeconds'>
}

const TEXTS: readonly ExhaustionText[] = [
  // PostgreSQL itself (section 6.1), as the server logs it and as every driver repeats it.
  { library: 'postgres', type: 'too-many-clients', pattern: /sorry, too many clients already/ },
  { library: 'postgres', type: 'too-many-clients', pattern: /remaining connection slots are reserved for [^\n]*?(?:connections|attribute|role)\b/ },
  { library: 'postgres', type: 'too-many-clients', pattern: /too many connections for (?:role|database) "[^"]*"/ },
  { library: 'pg-pool', type: 'pool-timeout', pattern: /timeout exceeded when trying to connect/ },
  // Opening a new client took longer than connectionTimeoutMillis (pg-pool 3.x).
  { library: 'pg-pool', type: 'pool-timeout', pattern: /Connection terminated due to connection timeout/ },
  { library: 'knex', type: 'pool-timeout', pattern: /Knex: Timeout acquiring a connection\. The pool is probably full\./ },
  {
    library: 'prisma',
    type: 'pool-timeout',
    pattern: /Timed out fetching a new connection from the connection pool\.(?:[^\n]*?\(Current connection pool timeout: (\d+), connection limit: (\d+)\))?/,
    figures: (m) => ({ ...(m[1] !== undefined && { timeoutSeconds: Number(m[1]) }), ...(m[2] !== undefined && { poolSize: Number(m[2]) }) }),
  },
  // The bare error code, as Prisma's error objects carry it.
  { library: 'prisma', type: 'pool-timeout', pattern: /\bP2024\b/ },
  { library: 'sequelize', type: 'pool-timeout', pattern: /\b(?:Sequelize)?ConnectionAcquireTimeoutError\b/ },
  {
    library: 'rails',
    type: 'pool-timeout',
    pattern: /could not obtain a connection from the pool within (\d+(?:\.\d+)?) seconds(?: \(waited \d+(?:\.\d+)? seconds\))?/,
    figures: (m) => ({ timeoutSeconds: Number(m[1]) }),
  },
  {
    library: 'sqlalchemy',
    type: 'pool-timeout',
    pattern: /QueuePool limit of size (\d+) overflow (-?\d+) reached, connection timed out, timeout (\d+(?:\.\d+)?)/,
    figures: (m) => ({ poolSize: Number(m[1]), maxOverflow: Number(m[2]), timeoutSeconds: Number(m[3]) }),
  },
  {
    library: 'psycopg_pool',
    type: 'pool-timeout',
    pattern: /couldn't get a connection after (\d+(?:\.\d+)?) sec/,
    figures: (m) => ({ timeoutSeconds: Number(m[1]) }),
  },
  { library: 'psycopg2', type: 'pool-timeout', pattern: /PoolError: connection pool exhausted/ },
  {
    library: 'hikaricp',
    type: 'pool-timeout',
    pattern: /Connection is not available, request timed out after (\d+)ms/,
    figures: (m) => ({ timeoutSeconds: Number(m[1]) / 1000 }),
  },
]

/**
 * A piece of every text above (timeout, timed out, many clients or
 * connections, reserved for, obtain a, get a connection, P2024, exhausted),
 * chosen to start with letters that are rare in logs: one scan turns most
 * lines away before any of the patterns runs.
 */
const ANY_TEXT = /meout|med out|y c[lo]|ved for|btain a|get a c|P2024|xhaust/

/** The pool-exhaustion or too-many-clients text in a line of any log, if it has one. */
export function matchExhaustion(line: string): ExhaustionMatch | undefined {
  if (!ANY_TEXT.test(line)) return undefined
  for (const { library, type, pattern, figures } of TEXTS) {
    const match = pattern.exec(line)
    if (!match) continue
    // A copy, so an event kept for evidence does not hold the whole line.
    return { type, library, ...figures?.(match), text: (' ' + match[0]).slice(1) }
  }
  return undefined
}
