// What PgBouncer knows and the server cannot see: the clients waiting at the
// pooler, which application each belongs to, which server connection (and so
// which backend pid) each holds, and the limits it refuses logins at. Read
// from its admin console (SHOW POOLS, CLIENTS, SERVERS, DATABASES, CONFIG).

export interface PoolerConfig {
  readonly maxClientConn: number
  readonly defaultPoolSize: number
  readonly reservePoolSize: number
  readonly poolMode: string
  /** 0: no limit. */
  readonly maxDbConnections: number
  readonly maxUserConnections: number
}

/** One (database, user) pool: SHOW POOLS. */
export interface PoolerPool {
  readonly database: string
  readonly user: string
  readonly clientsActive: number
  readonly clientsWaiting: number
  readonly serversActive: number
  readonly serversIdle: number
  readonly serversUsed: number
  readonly serversLogin: number
  /** How long the oldest waiting client has waited. */
  readonly maxWaitSeconds: number
  readonly poolMode: string
}

/** A client or server connection of the pooler: SHOW CLIENTS, SHOW SERVERS. */
export interface PoolerConnection {
  /** PgBouncer's id of it (`ptr`), which the other side's `link` names. */
  readonly id: string
  /** The connection on the other side it is paired with, if any. */
  readonly link: string | null
  readonly database: string
  readonly user: string
  /** `active`, `waiting`, `idle`, `used`, `login`, ... */
  readonly state: string
  readonly addr: string | null
  readonly port: number | null
  readonly connectMillis: number | null
  readonly requestMillis: number | null
  readonly application: string
  /** Servers: the backend's pid on the server (pg_stat_activity.pid). */
  readonly remotePid: number | null
}

/** SHOW DATABASES: a database's pool size and limits. */
export interface PoolerDatabase {
  readonly name: string
  readonly poolSize: number
  readonly reservePool: number
  /** max_db_connections for it; 0: none. */
  readonly maxConnections: number
  readonly currentConnections: number
  /** Its own client limit (max_db_client_connections, PgBouncer 1.24+); 0: none or not told. */
  readonly maxClientConnections: number
  readonly currentClientConnections: number
}

export interface PoolerSnapshot {
  /** user@host:port of the admin console, never with a password. */
  readonly pooler: string
  readonly sampledAtMillis: number
  readonly version: string
  readonly config: PoolerConfig
  /** The application's pools: the admin console's own is left out. */
  readonly pools: readonly PoolerPool[]
  /** Application clients: the admin console's (pgleak's own among them) are left out. */
  readonly clients: readonly PoolerConnection[]
  readonly servers: readonly PoolerConnection[]
  readonly databases: readonly PoolerDatabase[]
}

/** The admin console's pseudo-database. */
export const ADMIN_DATABASE = 'pgbouncer'

/** The client side, at the pooler, of a server session: who really holds a backend. */
export interface PoolerClientSide {
  readonly pooler: string
  readonly backendPid: number
  readonly application: string
  readonly clientAddr: string | null
  readonly clientPort: number | null
  readonly clientState: string
  readonly database: string
  readonly user: string
}

/** Backend pid -> the pooler client holding that server connection now, from SHOW SERVERS' remote_pid and link. */
export function clientsByBackendPid(snapshot: PoolerSnapshot): Map<number, PoolerClientSide> {
  const clients = new Map(snapshot.clients.map((c) => [c.id, c]))
  const sides = new Map<number, PoolerClientSide>()
  for (const server of snapshot.servers) {
    if (server.remotePid === null || server.link === null) continue
    const client = clients.get(server.link)
    if (!client) continue
    sides.set(server.remotePid, {
      pooler: snapshot.pooler,
      backendPid: server.remotePid,
      application: client.application,
      clientAddr: client.addr,
      clientPort: client.port,
      clientState: client.state,
      database: client.database,
      user: client.user,
    })
  }
  return sides
}

/** How a group of clients is named: its application, else its address. */
export function clientGroupOf(client: PoolerConnection): string {
  return client.application !== '' ? client.application : (client.addr ?? 'unix socket')
}
