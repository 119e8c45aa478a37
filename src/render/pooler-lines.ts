// PgBouncer's view in a few lines: for audit and the live view.
import type { PoolerSummary } from '../core/pooler-summary.js'
import type { Palette } from './colors.js'

/** Room for a pool's `database/user` before its figures. */
const POOL_NAME_WIDTH = 20

export function renderPoolerLines(palette: Palette, poolers: readonly PoolerSummary[]): string[] {
  const lines: string[] = []
  for (const pooler of poolers) {
    const groups = pooler.clientsByGroup.slice(0, 4).map((g) => `${g.group} ${g.clients}`).join(', ')
    // Figures before names: a narrow terminal cuts the pooler's address and the pool's mode, not a count.
    lines.push(
      `${palette.bold('PgBouncer')} ${pooler.clients} / ${pooler.maxClientConn} clients (max_client_conn), ${pooler.serverConnections} server connections · ${pooler.pooler}` +
        (groups ? palette.dim(` · clients: ${groups}`) : ''),
    )
    for (const pool of pooler.pools) {
      const waiting = pool.clientsWaiting > 0 ? palette.yellow(`${pool.clientsWaiting} waiting, maxwait ${pool.maxWaitSeconds}s`) : '0 waiting'
      const name = pool.pool.length > POOL_NAME_WIDTH ? `${pool.pool.slice(0, POOL_NAME_WIDTH - 1)}…` : pool.pool.padEnd(POOL_NAME_WIDTH)
      lines.push(`${palette.dim(`  ${name}`)} ${pool.clientsActive} active, ${waiting}, ${pool.serverConnections} servers${palette.dim(` · ${pool.mode}`)}`)
    }
  }
  return lines
}
