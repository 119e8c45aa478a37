import type { PoolerClientGrowthFinding } from '../../finding.js'
import { clientGroupOf } from '../../pooler.js'
import type { PoolerDetectorInput } from './pooler-input.js'

/** Clients an application must have added, all stuck or waiting, to be called a leak. */
const MIN_RISE = 5
/** The looks the rise must have held through without falling back: a burst comes back down, a leak does not. */
const HELD_LOOKS = 3
/** Looks in which the count went up: a leak adds clients call after call, a burst in a step or two. */
const MIN_RISING_LOOKS = 3
const WINDOW_MILLIS = 60_000

/**
 * A leak the server cannot see: one application's clients pile up at the
 * pooler (an engine or pool made per call, never closed), each used once and
 * kept, or waiting for a server, while the pooler's server connections stay
 * at its pool size. Judged from the pooler's clients over the last minute:
 * a rise of five or more, made in three looks or more (a pool's burst comes in
 * a step or two) and not come back down, of clients that are stuck (used only
 * when they connected, idle for 3 s since) or waiting.
 */
export function detectPoolerClientGrowth(input: PoolerDetectorInput): PoolerClientGrowthFinding[] {
  const findings: PoolerClientGrowthFinding[] = []
  for (const { latest, looks } of input.timeline.poolers()) {
    const now = latest.sampledAtMillis
    const recent = looks.filter((look) => look.atMillis >= now - WINDOW_MILLIS)
    if (recent.length < HELD_LOOKS) continue
    const last = recent[recent.length - 1]!
    for (const [group, figures] of last.groups) {
      const counts = recent.map((look) => look.groups.get(group)?.clients ?? 0)
      const lowest = Math.min(...counts)
      const rise = figures.clients - lowest
      const held = counts.slice(-HELD_LOOKS)
      const isHeld = held.every((count, i) => i === 0 || count >= held[i - 1]!)
      const rising = counts.filter((count, i) => i > 0 && count > counts[i - 1]!).length
      const stuck = figures.stuck
      if (rise < MIN_RISE || !isHeld || rising < MIN_RISING_LOOKS || stuck < MIN_RISE || stuck < rise / 2) continue
      const firstAt = recent[counts.indexOf(lowest)]!.atMillis
      const clients = latest.clients.filter((c) => clientGroupOf(c) === group)
      const pools = [...new Set(clients.map((c) => `${c.database}/${c.user}`))]
      const servers = latest.servers.filter((s) => pools.includes(`${s.database}/${s.user}`)).length
      const totalClients = latest.clients.length
      const max = latest.config.maxClientConn
      const isRefusing = totalClients + 1 >= max
      const addresses = [...new Set(clients.map((c) => c.addr ?? 'unix socket'))]
      findings.push({
        kind: 'pooler-client-growth',
        severity: figures.waiting > 0 || isRefusing ? 'error' : 'warning',
        title:
          `${group}'s clients pile up at PgBouncer: ${figures.clients} (up ${rise} in ${Math.round((now - firstAt) / 1000)} s), ${stuck} used once and kept or waiting` +
          `${figures.waiting > 0 ? `, ${figures.waiting} waiting for a server` : ''}; the server sees ${servers}` +
          `${isRefusing ? `; ${totalClients + 1} of max_client_conn ${max}: new logins are refused` : ''}`,
        subject: { application: group === clients[0]?.application ? group : null, user: clients[0]?.user ?? null, database: clients[0]?.database ?? null, client: addresses.length === 1 ? addresses[0]! : null, pool: pools.length === 1 ? pools[0]! : null },
        pids: [],
        evidence: {
          pooler: latest.pooler,
          group,
          clients: figures.clients,
          stuckClients: stuck,
          waitingClients: figures.waiting,
          riseInWindow: rise,
          windowSeconds: Math.round((now - firstAt) / 1000),
          serverConnections: servers,
          pooledClients: totalClients,
          maxClientConn: max,
          poolMode: latest.config.poolMode,
          clientAddresses: addresses,
        },
        advice:
          `${group} opens connections through PgBouncer and keeps them: each was used once, right after it connected, and never closed, so its clients climb while the server sees only the pool's ${servers}. ` +
          'The server shows nothing wrong; the pooler fills up: first clients wait for a server (cl_waiting, maxwait), then every new login fails with ' +
          '"FATAL: no more connections allowed (max_client_conn)". Create the engine or pool once per process and reuse it (SQLAlchemy: create_engine at module level, never per call or per request; ' +
          'node-postgres: one pg.Pool, never a Client per request without end()), and close what you create (engine.dispose(), pool.end()).',
      })
    }
  }
  return findings
}
