import { describe, expect, it } from 'vitest'
import { detectPoolLogSizing } from '../../../src/core/detectors/pool/pool-log-sizing.js'
import type { PoolEvent, PoolEventType } from '../../../src/core/pool-event.js'
import { PoolLedger } from '../../../src/core/pool-ledger.js'
import { DEFAULT_THRESHOLDS } from '../../../src/core/thresholds.js'

const NOW = Date.UTC(2026, 10, 29, 12)
let line = 0

function event(type: PoolEventType, process: number, connection: string | undefined, atSecond: number, extra: Partial<PoolEvent> = {}): PoolEvent {
  return { type, source: 'sqlalchemy', atMillis: NOW + atSecond * 1000, line: ++line, pool: `sqlalchemy.pool.impl.QueuePool[pid ${process}]`, process, ...(connection ? { connection } : {}), ...extra }
}

/** Four workers, each a correct QueuePool bursting to `peak` connections and back. */
function workers(peak: number, extra: (process: number) => PoolEvent[] = () => []): PoolLedger {
  const ledger = new PoolLedger()
  for (const process of [201, 202, 203, 204]) {
    for (let i = 0; i < peak; i++) ledger.ingest(event('connect', process, `${process}-${i}`, i * 0.01))
    for (let i = 0; i < peak; i++) ledger.ingest(event('checkout', process, `${process}-${i}`, 0.2))
    for (let i = 0; i < peak; i++) ledger.ingest(event('checkin', process, `${process}-${i}`, 0.5))
    for (let i = 5; i < peak; i++) ledger.ingest(event('close', process, `${process}-${i}`, 0.5))
    for (const e of extra(process)) ledger.ingest(e)
  }
  return ledger
}

const judge = (ledger: PoolLedger, usableSlots?: number, assumed?: { size: number; overflow: number }) =>
  detectPoolLogSizing({ ledger, thresholds: DEFAULT_THRESHOLDS, nowMillis: NOW + 1000, ...(usableSlots !== undefined ? { usableSlots } : {}), ...(assumed ? { assumedPoolSize: assumed } : {}) })

describe('pool-sizing from pool logs', () => {
  it('does the arithmetic, processes x (size + overflow), from a size one process logged', () => {
    // One worker's QueuePool timed out and said its size: the other workers run the same code.
    const ledger = workers(8, (process) => (process === 201 ? [event('pool-timeout', process, undefined, 1, { poolSize: 5, maxOverflow: 10, timeoutSeconds: 30 })] : []))
    for (let i = 0; i < 7; i++) ledger.ingest({ type: 'too-many-clients', source: 'application', atMillis: null, line: ++line, pool: 'postgres' })
    const [finding, ...more] = judge(ledger, 27)
    expect(more).toEqual([])
    expect(finding?.kind).toBe('pool-sizing')
    expect(finding?.severity).toBe('error')
    expect(finding?.title).toBe('4 pools can open 60 connections, 4 x (5 + 10), against 27 usable slots; the server refused 7 (not a leak)')
    expect(finding?.evidence).toMatchObject({ basis: 'pool-logs', processes: 4, canOpen: 60, usableSlots: 27, refusedConnections: 7 })
    expect(finding?.evidence.basis === 'pool-logs' && finding.evidence.pools.map((p) => [p.process, p.sizeFrom])).toEqual([
      [201, 'log'],
      [202, 'same-library'],
      [203, 'same-library'],
      [204, 'same-library'],
    ])
  })

  it('uses --pool-size where the logs never say, and the most seen open where nothing says', () => {
    expect(judge(workers(8), 27, { size: 5, overflow: 10 })[0]?.title).toContain('60 connections, 4 x (5 + 10)')
    const seen = judge(workers(8), 27)[0]
    expect(seen?.title).toBe('4 pools can open at least 32 connections, 4 x (8 seen open), against 27 usable slots (not a leak)')
    expect(seen?.severity).toBe('warning')
  })

  it('says nothing when the pools fit, or when the slots are not known', () => {
    expect(judge(workers(8), 97, { size: 5, overflow: 10 })).toEqual([])
    expect(judge(workers(8), undefined, { size: 5, overflow: 10 })).toEqual([])
  })
})
