import type { MultiplePoolsFinding } from '../../finding.js'
import type { PoolLogSource } from '../../pool-event.js'
import type { PoolState } from '../../pool-ledger.js'
import { multiplePoolsAdvice } from './library-advice.js'
import type { PoolDetectorInput } from './pool-input.js'

const MIN_EXCESS = 3

/**
 * More pools, or more connections created and never closed, than one
 * correctly used pool makes: the engine or pool per test (or per request)
 * where every checkout is returned and the count still climbs. A single
 * pool never opens a connection while it has an idle one; where the log
 * names pools apart, many pools that keep their connections say the same.
 */
export function detectMultiplePools(input: PoolDetectorInput): MultiplePoolsFinding[] {
  const byLibrary = new Map<PoolLogSource, PoolState[]>()
  for (const pool of input.ledger.pools.values()) {
    const list = byLibrary.get(pool.source) ?? []
    list.push(pool)
    byLibrary.set(pool.source, list)
  }
  const findings: MultiplePoolsFinding[] = []
  for (const [library, pools] of byLibrary) {
    const keeping = pools.filter((p) => p.created > p.closed && p.disposed === 0)
    const createdWhileIdle = pools.reduce((sum, p) => sum + p.createdWhileIdle, 0)
    if (keeping.length < MIN_EXCESS && createdWhileIdle < MIN_EXCESS) continue
    const sum = (pick: (p: PoolState) => number): number => pools.reduce((total, p) => total + pick(p), 0)
    const created = sum((p) => p.created)
    const closed = sum((p) => p.closed)
    const label = pools.length === 1 ? pools[0]!.id : `${library} pools`
    findings.push({
      kind: 'multiple-pools',
      severity: created - closed >= 10 ? 'error' : 'warning',
      title:
        keeping.length >= MIN_EXCESS
          ? `${keeping.length} ${library} pools were created and never closed`
          : `${label} opened ${createdWhileIdle} connections while it had idle ones: more pools than one`,
      subject: { application: null, user: null, database: null, client: null, pool: pools.length === 1 ? pools[0]!.id : null },
      pids: [],
      evidence: {
        library,
        pools: pools.length,
        connectionsCreated: created,
        connectionsClosed: closed,
        stillOpen: created - closed,
        createdWhileIdle,
        checkouts: sum((p) => p.checkouts),
        checkins: sum((p) => p.checkins),
      },
      advice: `Every checkout may come back and the count still climbs: ${created} connections created, ${closed} closed. ${multiplePoolsAdvice(library)}`,
    })
  }
  return findings
}
