import type { PoolSizingFinding, SizedPool } from '../../finding.js'
import type { PoolLogSource } from '../../pool-event.js'
import type { PoolState } from '../../pool-ledger.js'
import type { PoolDetectorInput, PoolSizeSpec } from './pool-input.js'

/** Past this many, pools made one after another in one process, or connections stranded in one pool, are a leak (multiple-pools), not sizing. */
const LEAK_EXCESS = 3

/** Processes that make pool after pool while earlier ones sit idle: their pools multiply, they are not sized. */
function multiplyingProcesses(pools: readonly PoolState[]): Set<number | undefined> {
  const madeBesideIdle = new Map<number | undefined, number>()
  for (const pool of pools) if (pool.createdBesideIdlePool) madeBesideIdle.set(pool.process, (madeBesideIdle.get(pool.process) ?? 0) + 1)
  return new Set([...madeBesideIdle].filter(([, count]) => count >= LEAK_EXCESS).map(([process]) => process))
}

function isLeakShaped(pool: PoolState, multiplying: Set<number | undefined>): boolean {
  return pool.maxStranded >= LEAK_EXCESS || multiplying.has(pool.process)
}

/** The size a pool's log gave, or else the one its library's other pools gave (processes of one program are configured alike). */
function sizeOf(pool: PoolState, siblings: readonly PoolState[], assumed: PoolSizeSpec | undefined): Pick<SizedPool, 'poolSize' | 'maxOverflow' | 'sizeFrom' | 'canOpen'> {
  const known = (p: PoolState): boolean => p.poolSize !== undefined
  const from = known(pool) ? pool : siblings.find(known)
  if (from) {
    const overflow = Math.max(0, from.maxOverflow ?? 0)
    return { poolSize: from.poolSize!, maxOverflow: from.maxOverflow ?? null, sizeFrom: from === pool ? 'log' : 'same-library', canOpen: from.poolSize! + overflow }
  }
  if (assumed) return { poolSize: assumed.size, maxOverflow: assumed.overflow, sizeFrom: 'pool-size-option', canOpen: assumed.size + assumed.overflow }
  return { poolSize: null, maxOverflow: null, sizeFrom: 'peak-seen', canOpen: pool.peakOpen }
}

function describeSize(pool: SizedPool): string {
  if (pool.sizeFrom === 'peak-seen') return `${pool.peakOpen} seen open`
  return pool.maxOverflow !== null && pool.maxOverflow > 0 ? `${pool.poolSize} + ${pool.maxOverflow}` : `${pool.poolSize}`
}

function fixFor(library: PoolLogSource): string {
  switch (library) {
    case 'sqlalchemy':
      return 'lower pool_size or max_overflow per process (create_engine(..., pool_size=, max_overflow=))'
    case 'hikaricp':
      return 'lower maximumPoolSize per instance'
    case 'psycopg_pool':
      return 'lower max_size per ConnectionPool'
    case 'node-postgres':
      return 'lower max per pg.Pool'
    default:
      return 'lower the pool size per process'
  }
}

/**
 * Not a leak: pools that, used correctly, can together open more connections
 * than the server has usable slots. Processes x (pool size + overflow), from
 * the sizes the logs give (SQLAlchemy's QueuePool timeout text and dispose
 * status, HikariCP's config, JSON lines' size and overflow) or `--pool-size`,
 * else from the most each pool was seen to hold; against the slots live or
 * from `--max-connections` offline. Pools that multiply are left to
 * multiple-pools.
 */
export function detectPoolLogSizing(input: PoolDetectorInput): PoolSizingFinding[] {
  const usable = input.usableSlots
  if (usable === undefined || usable <= 0) return []
  const all = [...input.ledger.pools.values()]
  const multiplying = multiplyingProcesses(all)
  const candidates = all.filter((p) => (p.created > 0 || p.poolSize !== undefined) && !isLeakShaped(p, multiplying))
  if (candidates.length === 0) return []
  const pools: SizedPool[] = candidates.map((pool) => ({
    pool: pool.id,
    process: pool.process ?? null,
    ...sizeOf(
      pool,
      candidates.filter((p) => p.source === pool.source),
      input.assumedPoolSize,
    ),
    peakOpen: pool.peakOpen,
  }))
  const canOpen = pools.reduce((sum, p) => sum + p.canOpen, 0)
  if (canOpen <= usable) return []
  const refused = input.ledger.tooManyClients
  const processes = new Set(pools.map((p) => p.process ?? p.pool)).size
  const library = candidates[0]!.source
  const sizes = [...new Set(pools.map(describeSize))]
  const arithmetic = sizes.length === 1 && pools.length > 1 ? `${pools.length} x (${sizes[0]})` : pools.map(describeSize).join(' + ')
  const isMeasured = pools.every((p) => p.sizeFrom === 'peak-seen')
  return [
    {
      kind: 'pool-sizing',
      severity: refused > 0 ? 'error' : 'warning',
      title:
        `${pools.length === 1 ? pools[0]!.pool : `${pools.length} pools`} can open ${isMeasured ? 'at least ' : ''}${canOpen} connections, ${arithmetic}, against ${usable} usable slots` +
        `${refused > 0 ? `; the server refused ${refused}` : ''} (not a leak)`,
      subject: { application: null, user: null, database: null, client: null, pool: pools.length === 1 ? pools[0]!.pool : null },
      pids: [],
      evidence: { basis: 'pool-logs', pools, processes, canOpen, usableSlots: usable, refusedConnections: refused },
      advice:
        `Each pool is used correctly, but together they can ask for ${canOpen} connections and the server has ${usable} for them` +
        `${refused > 0 ? ', so bursts are refused ("too many clients already")' : ''}. ` +
        `Keep processes x (pool size + overflow) under the usable slots, less what other applications and admins need: ${fixFor(library)}, run fewer processes, ` +
        'put PgBouncer (transaction mode) in front so many client connections share few server ones, or raise max_connections.',
    },
  ]
}
