// Looks at each PgBouncer over one connection of pgleak's own to each admin
// console, reopened on the next look when it fails. The live loop takes the
// looks that finished since its last poll and starts the next in the
// background, so a pooler that is slow or silent never holds up the server's
// poll: its look is late or missing, and the reason given.
import type { PoolerSnapshot } from '../../core/pooler.js'
import { PgleakError } from '../../errors.js'
import type { ConnectionTarget } from '../pg/connection-target.js'
import { PoolerSession, type PoolerSessionOptions } from './pooler-session.js'

export interface PoolerLook {
  readonly snapshots: readonly PoolerSnapshot[]
  /** Poolers that could not be read this time, with why. */
  readonly errors: readonly { readonly pooler: string; readonly error: PgleakError }[]
}

export class PoolerPoller {
  readonly #targets: readonly ConnectionTarget[]
  readonly #options: PoolerSessionOptions
  readonly #sessions = new Map<ConnectionTarget, PoolerSession>()
  #inFlight: Promise<void> | undefined
  #finished: PoolerLook[] = []
  #isClosed = false

  constructor(targets: readonly ConnectionTarget[], options: PoolerSessionOptions = {}) {
    this.#targets = targets
    this.#options = options
  }

  get isEmpty(): boolean {
    return this.#targets.length === 0
  }

  async poll(): Promise<PoolerLook> {
    const looks = await Promise.all(this.#targets.map((target) => this.#look(target)))
    return {
      snapshots: looks.flatMap((look) => ('snapshot' in look ? [look.snapshot] : [])),
      errors: looks.flatMap((look) => ('error' in look ? [{ pooler: look.pooler, error: look.error }] : [])),
    }
  }

  /**
   * The looks finished since the last call, and the next one started if none is running: for a loop
   * that must keep its own cadence whatever the pooler does.
   */
  takeFinished(): PoolerLook {
    const finished = this.#finished
    this.#finished = []
    this.#inFlight ??= this.poll()
      .then((look) => void this.#finished.push(look))
      .finally(() => (this.#inFlight = undefined))
    return { snapshots: finished.flatMap((look) => look.snapshots), errors: finished.flatMap((look) => look.errors) }
  }

  /** Within a second or so: a look still waiting on a silent pooler is not waited for, its sessions are closed under it. */
  async close(): Promise<void> {
    this.#isClosed = true
    let timer: NodeJS.Timeout | undefined
    await Promise.race([this.#inFlight, new Promise((resolve) => (timer = setTimeout(resolve, 1000)))])
    clearTimeout(timer)
    await Promise.all([...this.#sessions.values()].map((session) => session.close()))
    this.#sessions.clear()
  }

  async #look(target: ConnectionTarget): Promise<{ snapshot: PoolerSnapshot } | { pooler: string; error: PgleakError }> {
    try {
      let session = this.#sessions.get(target)
      if (!session) {
        session = await PoolerSession.open(target, this.#options)
        // A look that outlived close() must not leave a connection behind.
        if (this.#isClosed) {
          await session.close()
          return { pooler: target.description, error: new PgleakError('CONNECTION_LOST', 'stopped') }
        }
        this.#sessions.set(target, session)
      }
      return { snapshot: await session.snapshot() }
    } catch (error) {
      await this.#sessions.get(target)?.close()
      this.#sessions.delete(target)
      return { pooler: target.description, error: poolerError(error) }
    }
  }
}

/** The error in the pooler's words: the server's hints name --dsn and PostgreSQL. */
function poolerError(error: unknown): PgleakError {
  const code = error instanceof PgleakError ? error.code : 'QUERY_FAILED'
  const message = (error as Error).message
  const hint =
    code === 'AUTHENTICATION_FAILED' || /not allowed|no such user|admin/i.test(message)
      ? "Check --pgbouncer's user and password: it must be in pgbouncer.ini's stats_users (or admin_users) and in its auth_file."
      : "Is PgBouncer running there? Check --pgbouncer's host and port (pgbouncer.ini's listen_addr and listen_port); the database is its admin console, pgbouncer."
  return new PgleakError(code, `PgBouncer: ${message}`, { cause: error, hint, ...(error instanceof PgleakError && error.detail ? { detail: error.detail } : {}) })
}
