// pgleak's one connection to the server: named `pgleak`, read-only, with
// short statement and lock timeouts so a busy server can never be made
// busier by its own diagnostic tool.
import type { Client, ClientConfig, QueryResultRow } from 'pg'
import { PgleakError } from '../../errors.js'
import { connectError, queryError } from './database-error.js'
import type { ConnectionTarget } from './connection-target.js'
import { readPgpassPassword } from './pgpass.js'

export const PGLEAK_APPLICATION_NAME = 'pgleak'

interface PasswordLookupParams {
  readonly host: string
  readonly port: number
  readonly database: string | undefined
  readonly user: string | undefined
}

export interface SessionOptions {
  /** How long to wait for the server to accept the connection. (Default: 10 000.) */
  readonly connectTimeoutMillis?: number
  /** statement_timeout of pgleak's own queries. (Default: 10 000.) */
  readonly statementTimeoutMillis?: number
  /** lock_timeout of pgleak's own queries: it never waits behind an application's locks. (Default: 1 000.) */
  readonly lockTimeoutMillis?: number
  readonly env?: NodeJS.ProcessEnv
}

/** The slice of a database session that sources use, so they can be fed recorded rows in tests. */
export interface Queryable {
  query<R extends QueryResultRow>(sql: string, values?: readonly unknown[]): Promise<R[]>
  /** Rows as arrays, under a statement name parsed once per connection: for the query run at every poll. */
  queryArrays?(name: string, sql: string, values: readonly unknown[]): Promise<unknown[][]>
}

export class PgleakSession implements Queryable {
  readonly #client: Client
  readonly target: ConnectionTarget
  /** The server process serving pgleak, left out of every figure. */
  readonly backendPid: number
  #isClosed = false
  #canName = true

  private constructor(client: Client, target: ConnectionTarget, backendPid: number) {
    this.#client = client
    this.target = target
    this.backendPid = backendPid
  }

  static async open(target: ConnectionTarget, options: SessionOptions = {}): Promise<PgleakSession> {
    try {
      return await PgleakSession.#connect(target, target.config, options)
    } catch (error) {
      // sslmode=prefer: libpq falls back to a plain connection when the server has no SSL.
      if (target.sslFallback && error instanceof PgleakError && error.code === 'SSL_FAILED') {
        return PgleakSession.#connect(target, { ...target.config, ssl: false }, options)
      }
      throw error
    }
  }

  static async #connect(target: ConnectionTarget, config: ClientConfig, options: SessionOptions): Promise<PgleakSession> {
    const env = options.env ?? process.env
    // Loaded here, not at the top: `pgleak --version` and `--help` should not pay for the driver.
    const { default: pg } = await import('pg')
    // node-postgres calls a password function with its resolved host, port, database and user, and takes
    // undefined as "no password"; its type declarations admit neither, hence the cast.
    const passwordLookup = ((params: PasswordLookupParams) =>
      env.PGPASSWORD ??
      readPgpassPassword(
        { host: params.host, port: params.port, database: params.database ?? params.user ?? '', user: params.user ?? '' },
        env,
      )) as unknown as () => string
    const client = new pg.Client({
      ...config,
      application_name: PGLEAK_APPLICATION_NAME,
      connectionTimeoutMillis: options.connectTimeoutMillis ?? 10_000,
      password: config.password ?? passwordLookup,
    })
    await connectClient(client, target, env)
    try {
      const statement = options.statementTimeoutMillis ?? 10_000
      const lock = options.lockTimeoutMillis ?? 1_000
      const result = await client.query<{ pid: number }>(
        `SET default_transaction_read_only = on; SET statement_timeout = ${Math.round(statement)}; ` +
          `SET lock_timeout = ${Math.round(lock)}; SELECT pg_backend_pid() AS pid`,
      )
      const rows = Array.isArray(result) ? (result.at(-1)?.rows ?? []) : result.rows
      return new PgleakSession(client, target, Number(rows[0]?.pid))
    } catch (error) {
      await client.end().catch(() => {})
      throw queryError(error, target)
    }
  }

  async query<R extends QueryResultRow>(sql: string, values?: readonly unknown[]): Promise<R[]> {
    try {
      return (await this.#client.query<R>(sql, values ? [...values] : undefined)).rows
    } catch (error) {
      throw queryError(error, this.target)
    }
  }

  async queryArrays(name: string, sql: string, values: readonly unknown[]): Promise<unknown[][]> {
    try {
      // A pooler in transaction mode (PgBouncer before 1.21) loses named statements between
      // transactions: after the first such error the statement goes unnamed on this connection.
      const result = await this.#client.query({ text: sql, values: [...values], rowMode: 'array', ...(this.#canName ? { name } : {}) })
      return result.rows as unknown[][]
    } catch (error) {
      if (this.#canName && (error as { code?: string }).code === '26000') {
        this.#canName = false
        return this.queryArrays(name, sql, values)
      }
      throw queryError(error, this.target)
    }
  }

  /**
   * Ends the session, within a second whatever the server does: a stopped server never answers the
   * goodbye, so after that the socket is destroyed.
   */
  async close(): Promise<void> {
    if (this.#isClosed) return
    this.#isClosed = true
    await closeClient(this.#client)
  }
}

/**
 * Connects a client, or ends it and throws the user-facing error. An error after connect (server
 * restart, terminated backend) surfaces on the next query; without a listener node-postgres would
 * crash the process instead.
 */
export async function connectClient(client: Client, target: ConnectionTarget, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (error) {
    await client.end().catch(() => {})
    throw connectError(error, target, env)
  }
}

/** How long a goodbye may take before the socket is simply destroyed. */
const CLOSE_WAIT_MILLIS = 1000

/** Ends a client within CLOSE_WAIT_MILLIS, however unresponsive the other end. */
export async function closeClient(client: Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const ended = await Promise.race([
    client.end().then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_WAIT_MILLIS))),
  ])
  clearTimeout(timer)
  // node-postgres keeps the socket on `connection.stream`, which its types do not declare.
  if (!ended) (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy()
}
