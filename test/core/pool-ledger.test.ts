import { describe, expect, it } from 'vitest'
import { detectMultiplePools } from '../../src/core/detectors/pool/multiple-pools.js'
import { detectPoolImbalance } from '../../src/core/detectors/pool/pool-imbalance.js'
import type { PoolEvent, PoolEventType } from '../../src/core/pool-event.js'
import { PoolLedger } from '../../src/core/pool-ledger.js'
import { joinPoolFindings } from '../../src/core/leak-monitor.js'
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds.js'
import { backend, idleInTransaction, NOW, snapshot } from '../support/builders.js'
import { detectIdleInTransaction } from '../../src/core/detectors/idle-in-transaction.js'
import { settings } from '../support/builders.js'

let line = 0
function event(type: PoolEventType, connection: string, atSecond: number, extra: Partial<PoolEvent> = {}): PoolEvent {
  return { type, source: 'pgleak', atMillis: NOW + atSecond * 1000, line: ++line, pool: 'p', connection, ...extra }
}

function ledgerOf(events: PoolEvent[]): PoolLedger {
  const ledger = new PoolLedger()
  for (const e of events) ledger.ingest(e)
  return ledger
}

describe('PoolLedger and the pool detectors', () => {
  it('does not take a recycled connection (closed, then replaced) for a second pool', () => {
    const events = [event('connect', 'a', 0), event('connect', 'b', 0), event('checkout', 'a', 1), event('checkin', 'a', 1)]
    // pool_recycle: b is closed on checkout and a new one opened in its place, while a sits idle.
    for (let i = 0; i < 5; i++) events.push(event('close', `r${i}`, 2 + i), event('connect', `r${i + 1}`, 2 + i))
    expect(detectMultiplePools({ ledger: ledgerOf(events), thresholds: DEFAULT_THRESHOLDS, nowMillis: NOW + 10_000 })).toEqual([])
  })

  it('counts connections opened while others sat unused for seconds as more pools than one', () => {
    const events: PoolEvent[] = []
    for (let i = 0; i < 5; i++) events.push(event('connect', `c${i}`, i), event('checkout', `c${i}`, i), event('checkin', `c${i}`, i))
    const [finding] = detectMultiplePools({ ledger: ledgerOf(events), thresholds: DEFAULT_THRESHOLDS, nowMillis: NOW + 10_000 })
    // c2 opens while c0 has sat 2 s, c3 beside c0 and c1, c4 beside three.
    expect(finding?.evidence).toMatchObject({ createdWhileIdle: 3, strandedConnections: 3, connectionsCreated: 5, connectionsClosed: 0, checkouts: 5, checkins: 5 })
  })

  it('takes connections opened while others had just come back (threads starting together, a burst into overflow) for one pool', () => {
    const events: PoolEvent[] = []
    // Sixteen threads at once: each connect is logged after the connection is made, by when others are back.
    // QueuePool(5, 10): fifteen connections; the overflow ten are closed as they come back to a full pool.
    for (let i = 0; i < 15; i++) events.push(event('connect', `c${i}`, i * 0.01), event('checkout', `c${i}`, i * 0.01))
    for (let i = 0; i < 15; i++) events.push(event('checkin', `c${i}`, 0.2 + i * 0.01), ...(i >= 5 ? [event('close', `c${i}`, 0.2 + i * 0.01)] : []))
    // Bursts every few seconds into overflow, overflow closed on return to a full pool.
    for (let burst = 1; burst <= 10; burst++) {
      const at = burst * 3
      for (let i = 0; i < 5; i++) events.push(event('checkout', `c${i}`, at))
      for (let i = 0; i < 4; i++) events.push(event('connect', `o${burst}-${i}`, at + 0.02), event('checkout', `o${burst}-${i}`, at + 0.02))
      events.push(event('checkin', 'c0', at + 0.01))
      for (let i = 0; i < 4; i++) events.push(event('checkin', `o${burst}-${i}`, at + 0.3), event('close', `o${burst}-${i}`, at + 0.3))
      for (let i = 1; i < 5; i++) events.push(event('checkin', `c${i}`, at + 0.3))
    }
    expect(detectMultiplePools({ ledger: ledgerOf(events), thresholds: DEFAULT_THRESHOLDS, nowMillis: NOW + 40_000 })).toEqual([])
  })

  it('tells pools of different processes apart: four workers with a pool each are not four pools too many', () => {
    const events: PoolEvent[] = []
    for (const process of [101, 102, 103, 104]) {
      for (let i = 0; i < 3; i++) {
        const pool = `QueuePool[pid ${process}]`
        events.push({ ...event('connect', `${process}-${i}`, i), pool, process }, { ...event('checkout', `${process}-${i}`, i), pool, process }, { ...event('checkin', `${process}-${i}`, i + 0.1), pool, process })
      }
    }
    expect(detectMultiplePools({ ledger: ledgerOf(events), thresholds: DEFAULT_THRESHOLDS, nowMillis: NOW + 10_000 })).toEqual([])
  })

  it('knows which connections are idle whatever the log began with or a leak detector said', () => {
    // A log followed from its middle: b is returned before the ledger saw it taken, so it is idle;
    // a, reported by a leak detector, is out. Opening c while b waits is a second pool's doing...
    const fromTheMiddle = ledgerOf([event('connect', 'a', 0), event('leak-warning', 'a', 1), event('checkin', 'b', 2), event('connect', 'c', 4.5)])
    expect(fromTheMiddle.pools.get('p')).toMatchObject({ createdWhileIdle: 1, checkedOut: 1 })
    // ...but opening one while the only connection is out (leak-warned, then unleaked later) is not.
    const exhausted = ledgerOf([event('connect', 'a', 0), event('leak-warning', 'a', 1), event('connect', 'b', 2), event('unleaked', 'a', 3)])
    expect(exhausted.pools.get('p')).toMatchObject({ createdWhileIdle: 0, checkedOut: 0 })
    expect(exhausted.pools.get('p')!.connections.size).toBe(2)
  })

  it('reports checkouts the garbage collector found as never returned, not as checkins or long holds', () => {
    const events = [event('connect', 'a', 0), event('checkout', 'a', 0, { stack: ['handler (app.py:12)'] }), event('connect', 'b', 1), event('checkout', 'b', 1)]
    // SQLAlchemy logs the collector's "being returned" just before its warning, for a; b it finds still out.
    events.push(event('checkin', 'a', 400), event('gc-leak', 'a', 400), event('gc-leak', 'b', 401))
    // The pool refills the two places the collector emptied, and a healthy checkout follows.
    events.push(event('connect', 'c', 402), event('checkout', 'c', 402), event('checkin', 'c', 402), event('connect', 'd', 403))
    const ledger = ledgerOf(events)
    const [finding, ...more] = detectPoolImbalance({ ledger, thresholds: DEFAULT_THRESHOLDS, nowMillis: NOW + 404_000 })
    expect(more).toEqual([])
    expect(finding?.severity).toBe('error')
    expect(finding?.title).toContain('2 checkouts were never returned by handler (app.py:12); the garbage collector found them')
    expect(finding?.evidence).toMatchObject({ unreturnedCount: 0, collectedCount: 2, checkouts: 3, checkins: 1, longHolds: [] })
    expect(finding?.evidence.collected.map((c) => [c.connection, c.heldSeconds, c.collectedLine])).toEqual([
      ['a', 400, events[5]!.line],
      ['b', 400, events[6]!.line],
    ])
    expect(ledger.pools.get('p')).toMatchObject({ createdWhileIdle: 0 })
    expect(detectMultiplePools({ ledger, thresholds: DEFAULT_THRESHOLDS, nowMillis: NOW + 404_000 })).toEqual([])
  })

  it('leaves a checkout in flight at the end of the log alone, and reports one held past the threshold', () => {
    const ledger = ledgerOf([event('connect', 'a', 0), event('checkout', 'a', 0, { backendPid: 77 }), event('connect', 'b', 9), event('checkout', 'b', 9.9)])
    const findings = detectPoolImbalance({ ledger, thresholds: DEFAULT_THRESHOLDS, nowMillis: NOW + 10_000 })
    expect(findings).toHaveLength(1)
    expect(findings[0]?.evidence.unreturned.map((u) => [u.connection, u.backendPid, u.heldSeconds])).toEqual([['a', 77, 10]])
  })

  it("joins a checkout never returned to its session: one finding instead of the session's own", () => {
    const session = idleInTransaction({ pid: 77, idleSeconds: 120 })
    const live = snapshot([session, backend()])
    const ledger = ledgerOf([event('connect', 'a', -200, { backendPid: 77 }), event('checkout', 'a', -130, { stack: ['at chargeOrder (src/orders.js:41:22)'] })])
    const fromPools = detectPoolImbalance({ ledger, thresholds: DEFAULT_THRESHOLDS, nowMillis: NOW, snapshot: live })
    const fromServer = detectIdleInTransaction({ snapshot: live, settings: settings(), thresholds: DEFAULT_THRESHOLDS, ignore: [], groupBy: ['app'] })
    expect(fromServer).toHaveLength(1)
    const joined = joinPoolFindings(fromServer, fromPools)
    expect(joined.map((f) => f.kind)).toEqual(['pool-imbalance'])
    expect(joined[0]).toMatchObject({ severity: 'error', pids: [77], title: expect.stringContaining('by chargeOrder (src/orders.js:41:22)') })
  })
})
