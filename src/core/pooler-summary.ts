// What a pooler holds, in a few figures per pool: for reports and the live view.
import { clientGroupOf, type PoolerSnapshot } from './pooler.js'

export interface PoolerPoolSummary {
  readonly pool: string
  readonly mode: string
  readonly clientsActive: number
  readonly clientsWaiting: number
  readonly serverConnections: number
  readonly maxWaitSeconds: number
}

export interface PoolerSummary {
  readonly pooler: string
  readonly version: string
  readonly clients: number
  readonly maxClientConn: number
  readonly serverConnections: number
  readonly pools: readonly PoolerPoolSummary[]
  /** Clients per application (else address), most first. */
  readonly clientsByGroup: readonly { readonly group: string; readonly clients: number }[]
}

export function summarizePooler(snapshot: PoolerSnapshot): PoolerSummary {
  const groups = new Map<string, number>()
  for (const client of snapshot.clients) groups.set(clientGroupOf(client), (groups.get(clientGroupOf(client)) ?? 0) + 1)
  return {
    pooler: snapshot.pooler,
    version: snapshot.version,
    clients: snapshot.clients.length,
    maxClientConn: snapshot.config.maxClientConn,
    serverConnections: snapshot.servers.length,
    pools: snapshot.pools.map((p) => ({
      pool: `${p.database}/${p.user}`,
      mode: p.poolMode || snapshot.config.poolMode,
      clientsActive: p.clientsActive,
      clientsWaiting: p.clientsWaiting,
      serverConnections: p.serversActive + p.serversIdle + p.serversUsed,
      maxWaitSeconds: Math.round(p.maxWaitSeconds * 10) / 10,
    })),
    clientsByGroup: [...groups].map(([group, clients]) => ({ group, clients })).sort((a, b) => b.clients - a.clients),
  }
}
