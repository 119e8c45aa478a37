// A finding about server sessions, behind PgBouncer, names who really holds
// them: the server's backend pid is the pooler's server connection
// (SHOW SERVERS' remote_pid), and that connection's link is the client
// holding it, with its application and address at the pooler.
import type { Finding } from './finding.js'
import { clientsByBackendPid, type PoolerClientSide, type PoolerSnapshot } from './pooler.js'

function describeClient(side: PoolerClientSide): string {
  const address = side.clientAddr !== null ? `${side.clientAddr}${side.clientPort !== null ? `:${side.clientPort}` : ''}` : 'a unix socket'
  return `${side.application !== '' ? `${side.application} at ` : ''}${address}`
}

/** The findings, each about sessions held through a pooler given the clients that hold them (`poolerClients`) and, for one session, a title that says so. */
export function joinPoolerClients(findings: readonly Finding[], snapshots: readonly PoolerSnapshot[]): Finding[] {
  if (snapshots.length === 0) return [...findings]
  const sides = new Map<number, PoolerClientSide>()
  for (const snapshot of snapshots) for (const [pid, side] of clientsByBackendPid(snapshot)) sides.set(pid, side)
  return findings.map((finding) => {
    const held = finding.pids.flatMap((pid) => {
      const side = sides.get(pid)
      return side ? [side] : []
    })
    if (held.length === 0) return finding
    const title = held.length === 1 ? `${finding.title} (backend pid ${held[0]!.backendPid}, held through PgBouncer by ${describeClient(held[0]!)})` : `${finding.title} (held through PgBouncer by ${[...new Set(held.map(describeClient))].slice(0, 3).join(', ')})`
    return { ...finding, title, poolerClients: held }
  })
}
