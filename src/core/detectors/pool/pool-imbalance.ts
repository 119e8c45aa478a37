import { isIdleInTransaction, type Backend } from '../../backend.js'
import { secondsBetween, wholeSecondsBetween } from '../../describe-backend.js'
import { formatDuration } from '../../duration.js'
import type { CollectedCheckout, PoolImbalanceFinding, UnreturnedCheckout } from '../../finding.js'
import type { Checkout, CollectedCheckout as LedgerCollectedCheckout, PoolState } from '../../pool-ledger.js'
import { median } from '../../series-math.js'
import type { Snapshot } from '../../snapshot.js'
import { collectedAdvice, unreturnedAdvice } from './library-advice.js'
import type { PoolDetectorInput } from './pool-input.js'

const MAX_LISTED = 20
/** Without timestamps, a checkout counts as not returned once this many pool events have passed it. */
const EVENTS_WITHOUT_TIME = 20
/** A long hold must also be this many times the median hold. */
const LONG_HOLD_FACTOR = 10

/** What the evidence says of any checkout: which connection, since when, held how long until `untilMillis`, taken where. */
function describeCheckout(checkout: Checkout, untilMillis: number | null): Omit<CollectedCheckout, 'collectedLine'> {
  return {
    connection: checkout.connection,
    backendPid: checkout.backendPid ?? null,
    since: checkout.atMillis !== null ? new Date(checkout.atMillis).toISOString() : null,
    heldSeconds: checkout.atMillis !== null && untilMillis !== null ? Math.round(Math.max(0, untilMillis - checkout.atMillis) / 100) / 10 : null,
    line: checkout.line,
    stack: checkout.stack ?? null,
    thread: checkout.thread ?? null,
  }
}

function toUnreturned(checkout: Checkout, nowMillis: number | null, snapshot: Snapshot | undefined, sessions: SessionsByPid): UnreturnedCheckout {
  const backend = sessions.of(checkout.backendPid)
  return {
    ...describeCheckout(checkout, nowMillis),
    backend: backend
      ? { state: backend.state, stateSeconds: snapshot ? wholeSecondsBetween(backend.stateChangeMillis, snapshot.sampledAtMillis) : null, lastQuery: backend.query }
      : null,
  }
}

function toCollected({ checkout, atMillis, line }: LedgerCollectedCheckout): CollectedCheckout {
  return { ...describeCheckout(checkout, atMillis), collectedLine: line }
}

/** The snapshot's sessions by pid, indexed the first time one is asked for (once per run of the detector, not per checkout). */
class SessionsByPid {
  readonly #snapshot: Snapshot | undefined
  #byPid: Map<number, Backend> | undefined

  constructor(snapshot: Snapshot | undefined) {
    this.#snapshot = snapshot
  }

  of(pid: number | undefined): Backend | undefined {
    if (pid === undefined || !this.#snapshot) return undefined
    this.#byPid ??= new Map(this.#snapshot.backends.map((b) => [b.pid, b]))
    return this.#byPid.get(pid)
  }
}

/** Frames of the pool library and the runtime are not what a user needs to see first. */
const LIBRARY_FRAME = /^(?:at )?(?:com\.zaxxer\.hikari\.|java\.|javax\.|jdk\.|sun\.|org\.springframework\.jdbc\.|org\.hibernate\.)/

export function applicationFrame(stack: readonly string[]): string | undefined {
  return stack.find((frame) => !LIBRARY_FRAME.test(frame)) ?? stack[0]
}


/**
 * Still out, and not just in flight: held past the threshold, or the pool ran out of connections after
 * it was taken, or the pool has moved on by many events since (the only measure a log without times has).
 */
function isOverdue(checkout: Checkout, pool: PoolState, input: PoolDetectorInput, sessions: SessionsByPid): boolean {
  // Live: a session left idle in its transaction is overdue as soon as the server side would say so, so the
  // two are reported as one finding from the first poll on.
  const backend = sessions.of(checkout.backendPid)
  if (backend && input.snapshot && isIdleInTransaction(backend)) {
    const idleSeconds = secondsBetween(backend.stateChangeMillis, input.snapshot.sampledAtMillis)
    if (idleSeconds !== null && idleSeconds >= input.thresholds.idleInTransactionSeconds) return true
  }
  if (checkout.atMillis !== null && input.nowMillis !== null && (input.nowMillis - checkout.atMillis) / 1000 >= input.thresholds.unreturnedAfterSeconds) return true
  if (pool.lastTimeout && pool.lastTimeout.line > checkout.line) return true
  return pool.events - checkout.poolEventIndex >= EVENTS_WITHOUT_TIME
}

/**
 * Checkouts that never came back (the ledger per pool and per connection),
 * with where they were checked out when the log has stacks and, live, what
 * the server session behind each is doing; and, softer, checkouts that came
 * back only after far longer than the rest (a transaction held open while
 * the code waited on something else).
 */
export function detectPoolImbalance(input: PoolDetectorInput): PoolImbalanceFinding[] {
  const findings: PoolImbalanceFinding[] = []
  const sessions = new SessionsByPid(input.snapshot)
  for (const pool of input.ledger.pools.values()) {
    const out = [...pool.connections.values()].flatMap((c) => (c.checkout && isOverdue(c.checkout, pool, input, sessions) ? [c.checkout] : []))
    for (const checkout of pool.anonymousOut) if (isOverdue(checkout, pool, input, sessions)) out.push(checkout)
    out.sort((a, b) => (a.atMillis ?? a.line) - (b.atMillis ?? b.line))
    const longEnough = pool.longHolds.filter((h) => h.heldSeconds >= input.thresholds.longHoldSeconds)
    // This runs at every poll of a watch: the median (a sort of up to 2000 holds) only when there is a finding to give.
    if (out.length === 0 && longEnough.length === 0 && pool.gcLeaks === 0) continue
    const medianHold = pool.holdSeconds.size > 0 ? median(pool.holdSeconds.values()) : null
    const longHolds = longEnough.filter((h) => medianHold === null || h.heldSeconds >= medianHold * LONG_HOLD_FACTOR)
    if (out.length === 0 && longHolds.length === 0 && pool.gcLeaks === 0) continue
    const unreturned = out.slice(0, MAX_LISTED).map((c) => toUnreturned(c, input.nowMillis, input.snapshot, sessions))
    const collected = pool.collected.slice(0, MAX_LISTED).map(toCollected)
    const evidence = {
      pool: pool.id,
      library: pool.source,
      unreturnedCount: out.length,
      unreturned,
      collectedCount: pool.gcLeaks,
      collected,
      checkouts: pool.checkouts,
      checkins: pool.checkins,
      medianHoldSeconds: medianHold === null ? null : Math.round(medianHold * 1000) / 1000,
      longHolds: longHolds.map((h) => ({ connection: h.connection, heldSeconds: Math.round(h.heldSeconds * 10) / 10, line: h.line, stack: h.stack ?? null })),
    }
    const first = unreturned[0]
    const frame = first?.stack ? applicationFrame(first.stack) : undefined
    const where = frame ? ` by ${frame.replace(/^at /, '')}` : first?.thread ? ` on thread ${first.thread}` : ''
    const inTransaction = unreturned.filter((u) => u.backend?.state === 'idle in transaction' || u.backend?.state === 'idle in transaction (aborted)')
    const collectedNote = pool.gcLeaks > 0 ? `${pool.gcLeaks} more the garbage collector found and dropped` : ''
    if (out.length > 0) {
      const held = first?.heldSeconds !== null && first?.heldSeconds !== undefined ? ` for ${formatDuration(first.heldSeconds)}` : ''
      const detail = `${where}${held}`
      const which = out.length === 1 ? detail : detail ? `, the oldest${detail}` : ''
      const server = first?.backend ? `; its session (pid ${first.backendPid}) is ${first.backend.state ?? 'not visible'}` : first?.backendPid !== null && first?.backendPid !== undefined ? `; its session was pid ${first.backendPid}` : ''
      findings.push({
        kind: 'pool-imbalance',
        severity: out.length >= 3 || pool.timeouts > 0 || inTransaction.length > 0 || pool.gcLeaks > 0 ? 'error' : 'warning',
        title: `${pool.id}: ${out.length} checkout${out.length === 1 ? '' : 's'} never returned${which}${server}${collectedNote ? ` (and ${collectedNote})` : ''}`,
        subject: { application: null, user: null, database: null, client: null, pool: pool.id },
        pids: unreturned.flatMap((u) => (u.backendPid !== null ? [u.backendPid] : [])),
        evidence,
        advice: `${pool.checkouts > 0 ? `${pool.checkouts} checkouts, ${pool.checkins} checkins: the difference never came back to the pool. ` : ''}${pool.gcLeaks > 0 ? collectedAdvice(pool.source) : unreturnedAdvice(pool.source)}`,
      })
    } else if (pool.gcLeaks > 0) {
      const longest = collected.reduce<CollectedCheckout | undefined>((max, c) => (c.heldSeconds !== null && (max?.heldSeconds ?? -1) < c.heldSeconds ? c : max), undefined)
      const stack = collected.find((c) => c.stack)?.stack
      const frame = stack ? applicationFrame(stack) : undefined
      const by = frame ? ` by ${frame.replace(/^at /, '')}` : ''
      findings.push({
        kind: 'pool-imbalance',
        severity: 'error',
        title: `${pool.id}: ${pool.gcLeaks} checkout${pool.gcLeaks === 1 ? ' was' : 's were'} never returned${by}; the garbage collector found ${pool.gcLeaks === 1 ? 'it' : 'them'}${longest?.heldSeconds !== null && longest?.heldSeconds !== undefined ? ` after up to ${formatDuration(longest.heldSeconds)}` : ''} and dropped ${pool.gcLeaks === 1 ? 'it' : 'them'}`,
        subject: { application: null, user: null, database: null, client: null, pool: pool.id },
        pids: collected.flatMap((c) => (c.backendPid !== null ? [c.backendPid] : [])),
        evidence,
        advice: collectedAdvice(pool.source),
      })
    } else {
      const longest = longHolds[0]!
      findings.push({
        kind: 'pool-imbalance',
        severity: 'warning',
        title: `${pool.id}: a checkout was held ${formatDuration(longest.heldSeconds)}${medianHold !== null ? ` while the median is ${formatDuration(medianHold)}` : ''}`,
        subject: { application: null, user: null, database: null, client: null, pool: pool.id },
        pids: [],
        evidence,
        advice:
          'Every checkout came back, but some were held far longer than the rest: a transaction or connection kept while the code waited on something else (an HTTP call, a queue, a sleep). ' +
          'Do the slow work outside the transaction, and set idle_in_transaction_session_timeout as a backstop.',
      })
    }
  }
  return findings
}
