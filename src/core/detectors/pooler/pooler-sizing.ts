import type { PoolSizingFinding } from '../../finding.js'
import type { PoolerDetectorInput } from './pooler-input.js'

/**
 * Not a leak: PgBouncer's pools can open more server connections than the
 * server has usable slots. Each (database, user) pool opens up to its pool
 * size (the database's, else default_pool_size) plus reserve_pool_size; when
 * the sum is past the slots, a busy moment makes the server refuse the pooler.
 */
export function detectPoolerSizing(input: PoolerDetectorInput): PoolSizingFinding[] {
  const usable = input.usableSlots
  if (usable === undefined || usable <= 0) return []
  const findings: PoolSizingFinding[] = []
  for (const { latest } of input.timeline.poolers()) {
    const pools = latest.pools.map((pool) => {
      const database = latest.databases.find((d) => d.name === pool.database)
      const size = database && database.poolSize > 0 ? database.poolSize : latest.config.defaultPoolSize
      const reserve = database && database.reservePool > 0 ? database.reservePool : latest.config.reservePoolSize
      // max_db_connections caps what all of a database's pools open together.
      return { pool: `${pool.database}/${pool.user}`, poolSize: size, reservePool: reserve, canOpen: size + reserve }
    })
    const canOpen = pools.reduce((sum, p) => sum + p.canOpen, 0)
    if (pools.length === 0 || canOpen <= usable) continue
    findings.push({
      kind: 'pool-sizing',
      severity: 'warning',
      title: `PgBouncer's ${pools.length} pool${pools.length === 1 ? '' : 's'} can open ${canOpen} server connections against ${usable} usable slots (not a leak)`,
      subject: { application: null, user: null, database: null, client: null, pool: pools.length === 1 ? pools[0]!.pool : null },
      pids: [],
      evidence: { basis: 'pooler', pooler: latest.pooler, pools, canOpen, usableSlots: usable },
      advice:
        `Each (database, user) pool opens up to its pool size plus reserve_pool_size: ${pools.map((p) => `${p.pool} ${p.poolSize}${p.reservePool ? ` + ${p.reservePool}` : ''}`).join(', ')}. ` +
        `Together that is ${canOpen}, past the server's ${usable} usable slots, so at a busy moment the server refuses the pooler ("sorry, too many clients already"). ` +
        'Lower default_pool_size (or a database\'s pool_size), cap it with max_db_connections, or raise max_connections.',
    })
  }
  return findings
}
