import { isClientBackend, type Backend } from './backend.js'

/** One poll of pg_stat_activity, stamped with the server's clock. */
export interface Snapshot {
  readonly sampledAtMillis: number
  /** Every backend except pgleak's own session. */
  readonly backends: readonly Backend[]
  /**
   * Sessions ever established to the server (pg_stat_database.sessions summed, PostgreSQL 14+):
   * its growth between polls is the exact connection rate, which polling alone undercounts.
   */
  readonly sessionsEstablished?: number | null
}

/** The settings and catalog limits that bound how many connections can be open. */
export interface ServerSettings {
  readonly version: string
  readonly versionNum: number
  readonly maxConnections: number
  readonly superuserReservedConnections: number
  /** reserved_connections, PostgreSQL 16 and later; 0 before. */
  readonly reservedConnections: number
  /** 0 means disabled. */
  readonly idleInTransactionSessionTimeoutMillis: number
  /** null before PostgreSQL 14, where the setting does not exist; 0 means disabled. */
  readonly idleSessionTimeoutMillis: number | null
  /** 0 means the operating system's default. */
  readonly tcpKeepalivesIdleSeconds: number
  /** rolconnlimit of roles that have one (-1, unlimited, is left out). */
  readonly roleConnectionLimits: Readonly<Record<string, number>>
  /** datconnlimit of databases that have one. */
  readonly databaseConnectionLimits: Readonly<Record<string, number>>
  /** The role pgleak is connected as, and what it may see. */
  readonly currentUser: string
  readonly isSuperuser: boolean
  readonly canReadAllStats: boolean
}

/**
 * pgleak's own session: left out of every snapshot, but it takes one of the usable slots (or a
 * reserved one once they are gone), so the server is full one connection sooner than the others show.
 */
export const PGLEAK_OWN_CONNECTIONS = 1

/** Slots that ordinary roles can open: max_connections less the reserved ones. */
export function usableSlots(settings: ServerSettings): number {
  return settings.maxConnections - settings.superuserReservedConnections - settings.reservedConnections
}

/**
 * Whether two snapshots hold the very same client backend objects in the same order: the snapshot
 * reader hands back the last poll's object for a session that did not change, so on a quiet server
 * this is true and nothing about the clients needs looking at again. Only a pair that differs is
 * read (a background process comes as a new object each poll); the same object is never touched,
 * which on a thousand sessions is most of what this saves.
 */
export function haveSameClientBackends(a: Snapshot, b: Snapshot): boolean {
  const x = a.backends
  const y = b.backends
  let i = 0
  let j = 0
  for (;;) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      i++
      j++
      continue
    }
    if (i < x.length && !isClientBackend(x[i]!)) i++
    else if (j < y.length && !isClientBackend(y[j]!)) j++
    else return i === x.length && j === y.length
  }
}
