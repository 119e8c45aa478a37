// The ledger of pool events: per pool and per connection, what is checked
// out and since when, what was created and closed, and the timeouts seen.
// Pure, and bounded by what is open: a connection is forgotten when it
// closes, a session when it ends; only counts and a few examples stay.
import type { PoolEvent, PoolLogSource } from './pool-event.js'
import { RecentSample } from './recent-sample.js'

export interface Checkout {
  readonly connection: string
  /** The pool's event count when it was taken: how far the pool has moved on since. */
  readonly poolEventIndex: number
  readonly atMillis: number | null
  readonly line: number
  readonly stack?: readonly string[]
  readonly thread?: string
  readonly backendPid?: number
}

export interface ConnectionState {
  readonly id: string
  createdAtMillis: number | null
  backendPid?: number
  checkout: Checkout | undefined
  /** Since when it has sat in the pool unused: a time, and the pool's checkout count then. */
  idleSinceMillis: number | null
  idleSinceCheckouts: number
}

export interface LongHold {
  readonly connection: string
  readonly heldSeconds: number
  readonly line: number
  readonly stack?: readonly string[]
}

/** A checkout the garbage collector ended (SQLAlchemy's async pools say so): it was never returned. */
export interface CollectedCheckout {
  readonly checkout: Checkout
  /** When and where in the log the collector found it. */
  readonly atMillis: number | null
  readonly line: number
}

export interface PoolState {
  readonly id: string
  readonly source: PoolLogSource
  readonly connections: Map<string, ConnectionState>
  created: number
  closed: number
  checkouts: number
  checkins: number
  /** The process the pool lives in, when the log says (`%(process)d`, a JSON-lines `process`). */
  readonly process: number | undefined
  /** The pool appeared while another pool of its process kept idle connections: a pool made per test or per call, not at start-up. */
  readonly createdBesideIdlePool: boolean
  /**
   * Connections created while others of the same pool sat unused long enough that one pool would have
   * handed them out (see `isStranded`): what only more pools than one under one name make.
   */
  createdWhileIdle: number
  /** The most such unused connections at one creation. */
  maxStranded: number
  /** The most connections it held open at once. */
  peakOpen: number
  /**
   * Checkouts out now in a log that names no connection (psycopg_pool logs only the pool): a return
   * ends the latest one of its thread, else the latest one, so a checkout never returned stays the oldest.
   */
  readonly anonymousOut: Checkout[]
  /** Idle connections, the longest idle first: a checkin moves one to the end. */
  readonly idle: Map<string, ConnectionState>
  /** Connections checked out right now (the rest of `connections` are idle in the pool): kept by `#checkOut`, `#checkIn` and `#forget` alone. */
  checkedOut: number
  disposed: number
  timeouts: number
  firstTimeout: PoolEvent | undefined
  lastTimeout: PoolEvent | undefined
  /** Connections the garbage collector found checked out: leaks, found late. */
  gcLeaks: number
  /** The first of them, with their checkouts. */
  readonly collected: CollectedCheckout[]
  /** Connections the collector dropped whose place in the pool is not refilled yet: the connections that refill them are not a second pool. */
  droppedUnrefilled: number
  /**
   * The checkout the pool's last event returned, and the long hold it made, until its next event:
   * SQLAlchemy logs the collector's return just before saying it was the collector's. (Two fields,
   * not an object: this is set on every checkin.)
   */
  lastReturned: Checkout | undefined
  lastReturnedLongHold: LongHold | undefined
  leakWarnings: PoolEvent[]
  poolSize?: number
  maxOverflow?: number
  timeoutSeconds?: number
  /** Hold times of returned checkouts, the latest for the median. */
  readonly holdSeconds: RecentSample
  /** The longest holds that did come back. */
  readonly longHolds: LongHold[]
  /** Lives of the latest closed connections in seconds, at when they closed: for churn. */
  readonly lifetimes: RecentSample
  /** Events in this pool so far: "the pool moved on" without timestamps. */
  events: number
  lastEventType: PoolEvent['type'] | undefined
}

export interface ServerSessionStats {
  readonly application: string
  started: number
  ended: number
  /** Lengths of the latest sessions in seconds, at when they ended: for churn. */
  readonly lifetimes: RecentSample
}

const SAMPLE_LIMIT = 2000
/**
 * A connection idle this long, or through this many of its pool's checkouts, when the pool opens
 * another was never going to be handed out: one pool creates a connection only when none is idle.
 * The margins cover what the log's order hides: a connection returned while another was being
 * opened (a connect takes milliseconds; under load, a second), and checkouts taken meanwhile.
 */
const STRANDED_AFTER_MILLIS = 2000
const STRANDED_AFTER_CHECKOUTS = 20
/** Counting stranded connections stops here: the verdict needs a few, and a leak's log has thousands. */
const STRANDED_COUNTED = 100
const LONG_HOLDS_KEPT = 10
const LEAK_WARNINGS_KEPT = 20
const COLLECTED_KEPT = 20

export class PoolLedger {
  readonly pools = new Map<string, PoolState>()
  /** Server logs: sessions per application. */
  readonly serverSessions = new Map<string, ServerSessionStats>()
  tooManyClients = 0
  firstTooManyClients: PoolEvent | undefined
  /** The latest time any event carried. */
  nowMillis: number | null = null
  events = 0

  ingest(event: PoolEvent): void {
    this.events++
    if (event.atMillis !== null && (this.nowMillis === null || event.atMillis > this.nowMillis)) this.nowMillis = event.atMillis
    switch (event.type) {
      case 'too-many-clients':
        this.tooManyClients++
        this.firstTooManyClients ??= event
        return
      case 'session-start':
      case 'session-end':
        return this.#session(event)
      default:
        return this.#pool(event)
    }
  }

  #session(event: PoolEvent): void {
    const application = event.application ?? ''
    let stats = this.serverSessions.get(application)
    if (!stats) {
      stats = { application, started: 0, ended: 0, lifetimes: new RecentSample(SAMPLE_LIMIT) }
      this.serverSessions.set(application, stats)
    }
    if (event.type === 'session-start') stats.started++
    else {
      stats.ended++
      if (event.sessionSeconds !== undefined && event.atMillis !== null) stats.lifetimes.add(event.sessionSeconds, event.atMillis)
    }
  }

  #poolState(event: PoolEvent): PoolState {
    let pool = this.pools.get(event.pool)
    if (!pool) {
      pool = {
        id: event.pool,
        source: event.source,
        connections: new Map(),
        created: 0,
        closed: 0,
        checkouts: 0,
        checkins: 0,
        process: event.process,
        createdBesideIdlePool: this.#hasIdlePool(event.process),
        createdWhileIdle: 0,
        maxStranded: 0,
        peakOpen: 0,
        anonymousOut: [],
        idle: new Map(),
        checkedOut: 0,
        disposed: 0,
        timeouts: 0,
        firstTimeout: undefined,
        lastTimeout: undefined,
        gcLeaks: 0,
        collected: [],
        droppedUnrefilled: 0,
        lastReturned: undefined,
        lastReturnedLongHold: undefined,
        leakWarnings: [],
        holdSeconds: new RecentSample(SAMPLE_LIMIT),
        longHolds: [],
        lifetimes: new RecentSample(SAMPLE_LIMIT),
        events: 0,
        lastEventType: undefined,
      }
      this.pools.set(event.pool, pool)
    }
    pool.events++
    if (event.poolSize !== undefined) pool.poolSize = event.poolSize
    if (event.maxOverflow !== undefined) pool.maxOverflow = event.maxOverflow
    return pool
  }

  /** Whether a pool of this process keeps connections, none of them checked out. */
  #hasIdlePool(process: number | undefined): boolean {
    for (const pool of this.pools.values()) if (pool.process === process && pool.checkedOut === 0 && pool.connections.size > 0) return true
    return false
  }

  #connection(pool: PoolState, event: PoolEvent): ConnectionState | undefined {
    if (event.connection === undefined) return undefined
    let connection = pool.connections.get(event.connection)
    if (!connection) {
      connection = { id: event.connection, createdAtMillis: null, checkout: undefined, idleSinceMillis: event.atMillis, idleSinceCheckouts: pool.checkouts }
      pool.connections.set(event.connection, connection)
      pool.idle.set(connection.id, connection)
    }
    if (event.backendPid !== undefined) connection.backendPid = event.backendPid
    return connection
  }

  #pool(event: PoolEvent): void {
    const pool = this.#poolState(event)
    // What the last event returned matters only to a collector's warning right after it.
    if (event.type !== 'gc-leak') {
      pool.lastReturned = undefined
      pool.lastReturnedLongHold = undefined
    }
    this.#apply(pool, event)
    pool.lastEventType = event.type
  }

  #apply(pool: PoolState, event: PoolEvent): void {
    switch (event.type) {
      case 'connect': {
        // A connection opened right after one was closed replaces it (pool_recycle, pre-ping), and one
        // opened after the collector dropped one refills its place: neither is a second pool.
        const isReplacement = pool.lastEventType === 'close' || pool.lastEventType === 'invalidate' || pool.droppedUnrefilled > 0
        if (pool.droppedUnrefilled > 0) pool.droppedUnrefilled--
        const stranded = isReplacement ? 0 : strandedCount(pool, event.atMillis)
        if (stranded > 0) pool.createdWhileIdle++
        if (stranded > pool.maxStranded) pool.maxStranded = stranded
        pool.created++
        const connection = this.#connection(pool, event)
        if (connection) connection.createdAtMillis = event.atMillis
        if (pool.connections.size > pool.peakOpen) pool.peakOpen = pool.connections.size
        return
      }
      case 'checkout': {
        pool.checkouts++
        const connection = this.#connection(pool, event)
        if (connection) checkOut(pool, connection, checkoutOf(connection, pool, event))
        else if (event.connection === undefined) takeAnonymous(pool, event)
        return
      }
      case 'checkin':
      case 'unleaked': {
        if (event.type === 'checkin') pool.checkins++
        const connection = this.#connection(pool, event)
        const out = connection ? connection.checkout : returnAnonymous(pool, event)
        if (!out) return
        if (connection) checkIn(pool, connection, event.atMillis)
        let longHold: LongHold | undefined
        // A return matched to its checkout by guess (no connection id, no thread) says nothing of how long it was held.
        const isMatched = connection !== undefined || (out.thread !== undefined && out.thread === event.thread)
        if (isMatched && out.atMillis !== null && event.atMillis !== null) {
          const heldSeconds = Math.max(0, (event.atMillis - out.atMillis) / 1000)
          pool.holdSeconds.add(heldSeconds, event.atMillis)
          if (isLongEnoughToKeep(pool.longHolds, heldSeconds)) {
            longHold = { connection: out.connection, heldSeconds, line: out.line, ...(out.stack ? { stack: out.stack } : {}) }
            recordLongHold(pool.longHolds, longHold)
          }
        }
        pool.lastReturned = out
        pool.lastReturnedLongHold = longHold
        return
      }
      case 'close':
      case 'invalidate': {
        const connection = event.connection !== undefined ? pool.connections.get(event.connection) : undefined
        if (event.type === 'invalidate') return
        pool.closed++
        if (!connection) return
        forget(pool, connection)
        if (connection.createdAtMillis !== null && event.atMillis !== null) {
          pool.lifetimes.add(Math.max(0, (event.atMillis - connection.createdAtMillis) / 1000), event.atMillis)
        }
        return
      }
      case 'dispose':
        pool.disposed++
        // Disposing closes the idle connections; checked-out ones stay the application's.
        for (const connection of pool.connections.values()) if (!connection.checkout) forget(pool, connection)
        return
      case 'pool-timeout':
        pool.timeouts++
        pool.firstTimeout ??= event
        pool.lastTimeout = event
        if (event.timeoutSeconds !== undefined) pool.timeoutSeconds = event.timeoutSeconds
        return
      case 'gc-leak': {
        pool.gcLeaks++
        pool.droppedUnrefilled++
        const connection = event.connection !== undefined ? pool.connections.get(event.connection) : undefined
        // SQLAlchemy logs "being returned to pool" for the collector's return, just before this: that was no checkin.
        const returned = pool.lastEventType === 'checkin' && pool.lastReturned?.connection === event.connection ? pool.lastReturned : undefined
        if (returned) {
          pool.checkins--
          const longHold = pool.lastReturnedLongHold ? pool.longHolds.indexOf(pool.lastReturnedLongHold) : -1
          if (longHold !== -1) pool.longHolds.splice(longHold, 1)
        }
        const checkout = connection?.checkout ?? returned
        if (checkout && pool.collected.length < COLLECTED_KEPT) pool.collected.push({ checkout, atMillis: event.atMillis, line: event.line })
        // The collector ends it: it is neither checked out nor in the pool any more.
        if (connection) forget(pool, connection)
        return
      }
      case 'leak-warning': {
        if (pool.leakWarnings.length < LEAK_WARNINGS_KEPT) pool.leakWarnings.push(event)
        const connection = this.#connection(pool, event)
        if (connection && !connection.checkout) checkOut(pool, connection, checkoutOf(connection, pool, event))
        return
      }
      case 'stats':
        if (event.poolSize !== undefined) pool.poolSize = event.poolSize
        return
    }
  }
}

/**
 * Once full, each new value overwrites the oldest, found from how many the sample was ever given
 * (`taken`, before this one): the sample stays recent and costs O(1) per value.
 */

/** Outstanding anonymous checkouts kept, at most: a leak's count goes on, its examples need not. */
const ANONYMOUS_KEPT = 10_000

function takeAnonymous(pool: PoolState, event: PoolEvent): void {
  if (pool.anonymousOut.length >= ANONYMOUS_KEPT) return
  const checkout: { -readonly [K in keyof Checkout]: Checkout[K] } = { connection: '', poolEventIndex: pool.events, atMillis: event.atMillis, line: event.line }
  if (event.stack) checkout.stack = event.stack
  if (event.thread !== undefined) checkout.thread = event.thread
  pool.anonymousOut.push(checkout)
}

function returnAnonymous(pool: PoolState, event: PoolEvent): Checkout | undefined {
  const out = pool.anonymousOut
  if (event.connection !== undefined || out.length === 0) return undefined
  let at = out.length - 1
  if (event.thread !== undefined) {
    while (at >= 0 && out[at]!.thread !== event.thread) at--
    if (at < 0) at = out.length - 1
  }
  return out.splice(at, 1)[0]
}

/** Whether an idle connection has sat unused longer than one pool would leave it while opening another. */
function isStranded(connection: ConnectionState, pool: PoolState, atMillis: number | null): boolean {
  if (pool.checkouts - connection.idleSinceCheckouts >= STRANDED_AFTER_CHECKOUTS) return true
  return atMillis !== null && connection.idleSinceMillis !== null && atMillis - connection.idleSinceMillis >= STRANDED_AFTER_MILLIS
}

/** The pool's stranded idle connections, longest idle first, where the rest are idle for less. */
function strandedCount(pool: PoolState, atMillis: number | null): number {
  let count = 0
  for (const connection of pool.idle.values()) {
    if (count >= STRANDED_COUNTED || !isStranded(connection, pool, atMillis)) break
    count++
  }
  return count
}

function checkOut(pool: PoolState, connection: ConnectionState, checkout: Checkout): void {
  if (!connection.checkout) pool.checkedOut++
  connection.checkout = checkout
  pool.idle.delete(connection.id)
}

function checkIn(pool: PoolState, connection: ConnectionState, atMillis: number | null): void {
  if (connection.checkout) {
    pool.checkedOut--
    connection.idleSinceMillis = atMillis
    connection.idleSinceCheckouts = pool.checkouts
    pool.idle.delete(connection.id)
    pool.idle.set(connection.id, connection)
  }
  connection.checkout = undefined
}

/** The connection is gone from the pool (closed, disposed, collected). */
function forget(pool: PoolState, connection: ConnectionState): void {
  if (connection.checkout) pool.checkedOut--
  connection.checkout = undefined
  pool.connections.delete(connection.id)
  pool.idle.delete(connection.id)
}

/** One object per checkout, built in one go: this runs for every checkout of a log of millions. */
function checkoutOf(connection: ConnectionState, pool: PoolState, event: PoolEvent): Checkout {
  const checkout: { -readonly [K in keyof Checkout]: Checkout[K] } = { connection: connection.id, poolEventIndex: pool.events, atMillis: event.atMillis, line: event.line }
  if (event.stack) checkout.stack = event.stack
  if (event.thread !== undefined) checkout.thread = event.thread
  if (connection.backendPid !== undefined) checkout.backendPid = connection.backendPid
  return checkout
}

/** Whether a hold would make the kept longest ones, asked before one is built for every checkin. */
function isLongEnoughToKeep(holds: readonly LongHold[], heldSeconds: number): boolean {
  return holds.length < LONG_HOLDS_KEPT || heldSeconds > holds[holds.length - 1]!.heldSeconds
}

function recordLongHold(holds: LongHold[], hold: LongHold): void {
  if (holds.length < LONG_HOLDS_KEPT) holds.push(hold)
  else {
    const shortest = holds.reduce((min, h, i) => (h.heldSeconds < holds[min]!.heldSeconds ? i : min), 0)
    if (hold.heldSeconds <= holds[shortest]!.heldSeconds) return
    holds[shortest] = hold
  }
  holds.sort((a, b) => b.heldSeconds - a.heldSeconds)
}
