import type { MultiplePoolsFinding } from '../../finding.js'
import type { PoolLogSource } from '../../pool-event.js'
import type { PoolState } from '../../pool-ledger.js'
import { multiplePoolsAdvice } from './library-advice.js'
import type { PoolDetectorInput } from './pool-input.js'

const MIN_EXCESS = 3

/** Pools of one library in one process: pools in other processes are each that process's one pool. */
function byProcessAndLibrary(pools: Iterable<PoolState>): PoolState[][] {
  const groups = new Map<string, PoolState[]>()
  for (const pool of pools) {
    const key = `${pool.source}\u0000${pool.process ?? ''}`
    const group = groups.get(key)
    if (group) group.push(pool)
    else groups.set(key, [pool])
  }
  return [...groups.values()]
}

/**
 * More pools in one process than correct use makes, from what correct use
 * never produces. Under one name (SQLAlchemy logs every engine's pool as
 * `sqlalchemy.pool.impl.QueuePool`): connections opened while others sat
 * unused for seconds or dozens of checkouts, several at once, which one pool
 * never does, however many threads start together or however far a burst
 * runs into overflow. Under names of their own: pools keeping connections
 * and never closed, made one after another while the earlier ones sat idle.
 */
export function detectMultiplePools(input: PoolDetectorInput): MultiplePoolsFinding[] {
  const findings: MultiplePoolsFinding[] = []
  for (const pools of byProcessAndLibrary(input.ledger.pools.values())) {
    const library: PoolLogSource = pools[0]!.source
    const process = pools[0]!.process
    const keeping = pools.filter((p) => p.created > p.closed && p.disposed === 0)
    const besideIdle = keeping.filter((p) => p.createdBesideIdlePool).length
    const strandedPools = pools.filter((p) => p.createdWhileIdle >= MIN_EXCESS && p.maxStranded >= MIN_EXCESS)
    const manyPools = keeping.length >= MIN_EXCESS && besideIdle >= MIN_EXCESS
    if (!manyPools && strandedPools.length === 0) continue
    const sum = (list: readonly PoolState[], pick: (p: PoolState) => number): number => list.reduce((total, p) => total + pick(p), 0)
    const created = sum(pools, (p) => p.created)
    const closed = sum(pools, (p) => p.closed)
    const createdWhileIdle = sum(strandedPools, (p) => p.createdWhileIdle)
    const stranded = Math.max(0, ...pools.map((p) => p.maxStranded))
    const inProcess = process !== undefined ? ` in process ${process}` : ''
    const single = pools.length === 1 ? pools[0]!.id : undefined
    findings.push({
      kind: 'multiple-pools',
      severity: created - closed >= 10 ? 'error' : 'warning',
      title: manyPools
        ? `${keeping.length} ${library} pools were created${inProcess} one after another and never closed`
        : `${single ?? `${library} pools${inProcess}`} opened ${createdWhileIdle} connections while up to ${stranded} others sat unused: more pools than one`,
      subject: { application: null, user: null, database: null, client: null, pool: single ?? null },
      pids: [],
      evidence: {
        library,
        pools: pools.length,
        connectionsCreated: created,
        connectionsClosed: closed,
        stillOpen: created - closed,
        createdWhileIdle,
        strandedConnections: stranded,
        poolsCreatedBesideIdle: besideIdle,
        process: process ?? null,
        checkouts: sum(pools, (p) => p.checkouts),
        checkins: sum(pools, (p) => p.checkins),
      },
      advice: `Every checkout may come back and the count still climbs: ${created} connections created, ${closed} closed. ${multiplePoolsAdvice(library)}`,
    })
  }
  return findings
}
