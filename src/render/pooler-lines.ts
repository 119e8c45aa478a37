// PgBouncer's view in a few lines: for audit and the live view.
import type { PoolerSummary } from '../core/pooler-summary.js'
import type { Palette } from './colors.js'

export function renderPoolerLines(palette: Palette, poolers: readonly PoolerSummary[]): string[] {
  const lines: string[] = []
  for (const pooler of poolers) {
    const groups = pooler.clientsByGroup.slice(0, 4).map((g) => `${g.group} ${g.clients}`).join(', ')
    lines.push(
      `${palette.bold('PgBouncer')} ${pooler.pooler}  ${pooler.clients} / ${pooler.maxClientConn} clients (max_client_conn), ${pooler.serverConnections} server connections` +
        (groups ? palette.dim(`  clients: ${groups}`) : ''),
    )
    for (const pool of pooler.pools) {
      const waiting = pool.clientsWaiting > 0 ? palette.yellow(`${pool.clientsWaiting} waiting, maxwait ${pool.maxWaitSeconds}s`) : '0 waiting'
      lines.push(palette.dim(`  ${pool.pool.padEnd(24)} ${pool.mode.padEnd(11)} `) + `${pool.clientsActive} active, ${waiting}, ${pool.serverConnections} servers`)
    }
  }
  return lines
}
