// pgleak's one connection to a PgBouncer admin console. The console speaks
// only the simple query protocol, takes no transactions and refuses startup
// parameters it does not know (`options`, `statement_timeout`: "unsupported
// startup parameter"), so this is a plain client with a client-side deadline
// on each query instead of the server session's SET statements.
import type { Client } from 'pg'
import type { PoolerSnapshot } from '../../core/pooler.js'
import { ADMIN_DATABASE } from '../../core/pooler.js'
import type { ConnectionTarget } from '../pg/connection-target.js'
import { queryError } from '../pg/database-error.js'
import { closeClient, connectClient, PGLEAK_APPLICATION_NAME } from '../pg/pgleak-session.js'
import { readPoolerSnapshot, type AdminConsole } from './read-pooler-snapshot.js'

export interface PoolerSessionOptions {
  readonly connectTimeoutMillis?: number
  /** Each SHOW must answer within this. (Default: 5 000.) */
  readonly queryTimeoutMillis?: number
}

export class PoolerSession implements AdminConsole {
  readonly #client: Client
  readonly target: ConnectionTarget

  private constructor(client: Client, target: ConnectionTarget) {
    this.#client = client
    this.target = target
  }

  static async open(target: ConnectionTarget, options: PoolerSessionOptions = {}): Promise<PoolerSession> {
    const { default: pg } = await import('pg')
    const client = new pg.Client({
      ...target.config,
      database: ADMIN_DATABASE,
      application_name: PGLEAK_APPLICATION_NAME,
      connectionTimeoutMillis: options.connectTimeoutMillis ?? 10_000,
      query_timeout: options.queryTimeoutMillis ?? 5_000,
    })
    await connectClient(client, target)
    return new PoolerSession(client, target)
  }

  async show(what: 'POOLS' | 'CLIENTS' | 'SERVERS' | 'DATABASES' | 'CONFIG' | 'VERSION'): Promise<Record<string, unknown>[]> {
    try {
      return (await this.#client.query(`SHOW ${what}`)).rows as Record<string, unknown>[]
    } catch (error) {
      throw queryError(error, this.target)
    }
  }

  snapshot(): Promise<PoolerSnapshot> {
    return readPoolerSnapshot(this, this.target.description, Date.now())
  }

  async close(): Promise<void> {
    await closeClient(this.#client)
  }
}
