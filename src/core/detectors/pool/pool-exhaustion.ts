import type { PoolExhaustionFinding } from '../../finding.js'
import type { PoolEvent } from '../../pool-event.js'
import type { PoolDetectorInput } from './pool-input.js'

function iso(event: PoolEvent | undefined): string | null {
  return event?.atMillis !== null && event?.atMillis !== undefined ? new Date(event.atMillis).toISOString() : null
}

/** Pool timeouts and "too many clients" refusals seen in the logs, with the pool's size when the message tells it. */
export function detectPoolExhaustion(input: PoolDetectorInput): PoolExhaustionFinding[] {
  const findings: PoolExhaustionFinding[] = []
  for (const pool of input.ledger.pools.values()) {
    if (pool.timeouts === 0) continue
    const size = pool.poolSize !== undefined ? ` (size ${pool.poolSize}${pool.maxOverflow !== undefined ? ` + overflow ${pool.maxOverflow}` : ''})` : ''
    findings.push({
      kind: 'pool-exhaustion',
      severity: 'error',
      title: `${pool.id}${size} ran out of connections: ${pool.timeouts} request${pool.timeouts === 1 ? '' : 's'} timed out waiting for one`,
      subject: { application: null, user: null, database: null, client: null, pool: pool.id },
      pids: [],
      evidence: {
        pool: pool.id,
        library: pool.source,
        timeouts: pool.timeouts,
        tooManyClients: 0,
        first: iso(pool.firstTimeout),
        last: iso(pool.lastTimeout),
        firstLine: pool.firstTimeout?.line ?? 0,
        poolSize: pool.poolSize ?? null,
        maxOverflow: pool.maxOverflow ?? null,
        timeoutSeconds: pool.timeoutSeconds ?? null,
        text: pool.firstTimeout?.text ?? null,
      },
      advice:
        'Every connection of the pool was checked out when more were asked for. ' +
        (pool.checkouts === 0
          ? 'The log has no checkouts of this pool, so whether they come back cannot be told from it: turn on the pool\'s DEBUG logging (see the note on the file) and run again. '
          : 'If checkouts are not returned (a pool-imbalance finding says so), fix that first: a bigger pool only delays the timeout. ') +
        'If they are returned and the load is real, size the pool for it, keeping processes x (pool size + overflow) under the server\'s usable slots.',
    })
  }
  if (input.ledger.tooManyClients > 0) {
    const first = input.ledger.firstTooManyClients
    findings.push({
      kind: 'pool-exhaustion',
      severity: 'error',
      title: `the server refused ${input.ledger.tooManyClients} connection${input.ledger.tooManyClients === 1 ? '' : 's'}: too many clients`,
      subject: { application: null, user: null, database: null, client: null, pool: null },
      pids: [],
      evidence: {
        pool: null,
        library: first?.source ?? 'postgres',
        timeouts: 0,
        tooManyClients: input.ledger.tooManyClients,
        first: iso(first),
        last: null,
        firstLine: first?.line ?? 0,
        poolSize: null,
        maxOverflow: null,
        timeoutSeconds: null,
        text: first?.text ?? null,
      },
      advice:
        'All of max_connections (less the reserved slots) were in use. Find who holds them (pgleak audit or watch on the server); usually a pool per process that is too big, pools never closed, or connections leaked; PgBouncer helps when there are simply too many clients.',
    })
  }
  return findings
}
