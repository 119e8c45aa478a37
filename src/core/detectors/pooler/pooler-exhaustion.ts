import type { PoolExhaustionEvidence, PoolExhaustionFinding, PoolerExhaustionFigures } from '../../finding.js'
import { poolKey } from '../../pooler-timeline.js'
import type { PoolerDetectorInput } from './pooler-input.js'

/** Share of max_client_conn in use that is reported before logins are refused. */
const NEAR_LIMIT = 0.9
/** A client must have waited this long, in two looks running, for a pool to be called exhausted: a burst waits milliseconds. */
const WAIT_SECONDS = 1

const REFUSAL = '"FATAL: no more connections allowed (max_client_conn)"'

/** A pool-exhaustion's evidence at the pooler: no log line, timeout or overflow of a pool log's. */
function poolerEvidence(pool: string | null, poolSize: number | null, reservePool: number | null, text: string | null, pooler: PoolerExhaustionFigures): PoolExhaustionEvidence {
  return { pool, library: 'pgbouncer', timeouts: 0, tooManyClients: 0, first: null, last: null, firstLine: 0, poolSize, maxOverflow: reservePool, timeoutSeconds: null, text, pooler }
}

/**
 * Exhaustion at the pooler, which the server never sees: clients waiting for
 * a server connection with the wait growing (every server connection of the
 * pool is held), and the pooler's own client limit near or at max_client_conn,
 * past which it refuses logins.
 */
export function detectPoolerExhaustion(input: PoolerDetectorInput): PoolExhaustionFinding[] {
  const findings: PoolExhaustionFinding[] = []
  for (const { latest, looks } of input.timeline.poolers()) {
    const previous = looks.length >= 2 ? looks[looks.length - 2] : undefined
    const sizeOf = (database: string): number => {
      const db = latest.databases.find((d) => d.name === database)
      return db && db.poolSize > 0 ? db.poolSize : latest.config.defaultPoolSize
    }
    for (const pool of latest.pools) {
      const before = previous?.pools.get(poolKey(pool.database, pool.user))
      const isWaiting = pool.clientsWaiting > 0 && pool.maxWaitSeconds >= WAIT_SECONDS && before !== undefined && before.waiting > 0 && pool.maxWaitSeconds >= before.maxWaitSeconds
      if (!isWaiting) continue
      const servers = pool.serversActive + pool.serversIdle + pool.serversUsed
      const key = poolKey(pool.database, pool.user)
      findings.push({
        kind: 'pool-exhaustion',
        severity: pool.maxWaitSeconds >= 5 ? 'error' : 'warning',
        title: `PgBouncer pool ${key} is exhausted: ${pool.clientsWaiting} client${pool.clientsWaiting === 1 ? '' : 's'} waiting for a server, the longest ${Math.round(pool.maxWaitSeconds)} s; all ${servers} of its server connections are held`,
        subject: { application: null, user: pool.user, database: pool.database, client: null, pool: key },
        pids: [],
        evidence: poolerEvidence(key, sizeOf(pool.database), latest.config.reservePoolSize, null, {
            pooler: latest.pooler,
            clientsActive: pool.clientsActive,
            clientsWaiting: pool.clientsWaiting,
            maxWaitSeconds: Math.round(pool.maxWaitSeconds * 10) / 10,
            serverConnections: servers,
            clients: latest.clients.length,
            maxClientConn: latest.config.maxClientConn,
            poolMode: pool.poolMode || latest.config.poolMode,
          }),
        advice:
          `Every server connection of ${key} is held, so clients queue at the pooler (cl_waiting) and wait (maxwait). ` +
          (latest.config.poolMode === 'session' || pool.poolMode === 'session'
            ? 'In session mode a client holds its server until it disconnects: clients that connect and never close (an engine or pool per call) take every server in turn. Close them, or use transaction mode. '
            : 'In transaction mode a server is held only inside a transaction: look for transactions left open (idle in transaction) or long ones. ') +
          `Raising default_pool_size only moves the wait to the server's max_connections. When clients reach max_client_conn (${latest.config.maxClientConn}), new logins fail with ${REFUSAL}.`,
      })
    }
    for (const database of latest.databases) {
      // A database's own caps: its server connections (max_db_connections: clients wait) and its clients (refused).
      const caps = [
        { limit: database.maxConnections, used: database.currentConnections, setting: 'max_db_connections', what: 'server connections', effect: 'its clients wait for one' },
        { limit: database.maxClientConnections, used: database.currentClientConnections, setting: 'max_db_client_connections', what: 'clients', effect: 'new logins to it are refused ("client connections exceeded (max_db_client_connections)")' },
      ]
      for (const cap of caps) {
        if (cap.limit <= 0 || cap.used < Math.ceil(cap.limit * NEAR_LIMIT)) continue
        const isFull = cap.used >= cap.limit
        const pools = latest.pools.filter((p) => p.database === database.name)
        findings.push({
          kind: 'pool-exhaustion',
          severity: isFull ? 'error' : 'warning',
          title: `PgBouncer database ${database.name} ${isFull ? 'is at' : 'is near'} ${cap.setting}: ${cap.used} of ${cap.limit} ${cap.what}${isFull ? `; ${cap.effect}` : ''}`,
          subject: { application: null, user: null, database: database.name, client: null, pool: null },
          pids: [],
          evidence: poolerEvidence(null, database.poolSize > 0 ? database.poolSize : latest.config.defaultPoolSize, database.reservePool, null, {
            pooler: latest.pooler,
            clientsActive: pools.reduce((sum, p) => sum + p.clientsActive, 0),
            clientsWaiting: pools.reduce((sum, p) => sum + p.clientsWaiting, 0),
            maxWaitSeconds: Math.max(0, ...pools.map((p) => Math.round(p.maxWaitSeconds * 10) / 10)),
            serverConnections: database.currentConnections,
            clients: latest.clients.filter((c) => c.database === database.name).length,
            maxClientConn: latest.config.maxClientConn,
            poolMode: latest.config.poolMode,
          }),
          advice: `PgBouncer caps ${database.name} at ${cap.setting} = ${cap.limit} ${cap.what}: at the cap ${cap.effect}. Find whose connections fill it (clients that connect and never close show as pooler-client-growth), or raise the cap within the server's usable slots.`,
        })
      }
    }
    const inUse = latest.clients.length + 1
    const max = latest.config.maxClientConn
    if (max > 0 && inUse >= Math.ceil(max * NEAR_LIMIT)) {
      const isFull = inUse >= max
      findings.push({
        kind: 'pool-exhaustion',
        severity: isFull ? 'error' : 'warning',
        title: isFull ? `PgBouncer is full: ${inUse} of max_client_conn ${max} clients, new logins are refused` : `PgBouncer is near its client limit: ${inUse} of max_client_conn ${max} clients`,
        subject: { application: null, user: null, database: null, client: null, pool: null },
        pids: [],
        evidence: poolerEvidence(null, null, null, isFull ? REFUSAL.slice(1, -1) : null, {
            pooler: latest.pooler,
            clientsActive: latest.pools.reduce((sum, p) => sum + p.clientsActive, 0),
            clientsWaiting: latest.pools.reduce((sum, p) => sum + p.clientsWaiting, 0),
            maxWaitSeconds: Math.max(0, ...latest.pools.map((p) => Math.round(p.maxWaitSeconds * 10) / 10)),
            serverConnections: latest.servers.length,
            clients: inUse,
            maxClientConn: max,
            poolMode: latest.config.poolMode,
          }),
        advice: `At max_client_conn (${max}) PgBouncer refuses every new login with ${REFUSAL}. Find the application whose clients pile up (pgleak names it when they are stuck); raise max_client_conn only for real load, with the file descriptor limit to match.`,
      })
    }
  }
  return findings
}
