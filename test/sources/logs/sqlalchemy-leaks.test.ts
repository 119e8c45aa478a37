// Leaky SQLAlchemy programs, written by the real library (see the fixtures'
// generate.mjs): each gives the right kind of finding naming the pool, and
// with pgleak's listener (python/pgleak_sqlalchemy.py) the line of code that
// took the connection; the program that is only too big for the server is
// sizing, never a leak.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { analyzePoolLogs, type PoolLogAnalysis } from '../../../src/analyze-logs.js'
import type { Finding, FindingKind } from '../../../src/core/finding.js'

const FOLDER = fileURLToPath(new URL('../../fixtures/pool-logs/sqlalchemy-leaks/', import.meta.url))
const LEAK_KINDS: readonly FindingKind[] = ['pool-imbalance', 'multiple-pools']

interface Truth {
  readonly checkouts: number
  readonly checkins: number
  readonly checkedOutAtEnd: number
  readonly poolTimeouts: number
  readonly refusedRequests: number
  readonly engines: number
  readonly processes: number
  readonly maxConnections?: number
}

const truthOf = async (file: string): Promise<Truth> => JSON.parse(await readFile(join(FOLDER, file.endsWith('.jsonl') ? `${file}.truth.json` : file.replace(/\.log$/, '.truth.json')), 'utf8')) as Truth
const analyze = (file: string, maxConnections?: number): Promise<PoolLogAnalysis> => analyzePoolLogs([join(FOLDER, file)], maxConnections !== undefined ? { maxConnections } : {})
const kinds = (analysis: PoolLogAnalysis): string[] => [...new Set(analysis.findings.filter((f) => f.severity !== 'info').map((f) => f.kind))].sort()
const only = <K extends FindingKind>(analysis: PoolLogAnalysis, kind: K): Extract<Finding, { kind: K }> => {
  const found = analysis.findings.filter((f): f is Extract<Finding, { kind: K }> => f.kind === kind)
  expect(found).toHaveLength(1)
  return found[0]!
}

/** `name (/app/scenario.py:N)` for the scenario's line that matches `code`: the frame the listener must name. */
async function frameOf(scenario: string, functionName: string, code: RegExp): Promise<string> {
  const lines = (await readFile(join(FOLDER, scenario), 'utf8')).split('\n')
  const index = lines.findIndex((line) => code.test(line))
  expect(index).toBeGreaterThanOrEqual(0)
  return `${functionName} (/app/${scenario}:${index + 1})`
}

describe('leaky SQLAlchemy programs', () => {
  it('scoped_session never removed: the checkouts never returned, and the timeouts they caused', async () => {
    const truth = await truthOf('scoped-session-never-removed.log')
    const analysis = await analyze('scoped-session-never-removed.log')
    expect(kinds(analysis)).toEqual(['pool-exhaustion', 'pool-imbalance'])
    const imbalance = only(analysis, 'pool-imbalance')
    expect(imbalance.subject.pool).toBe('sqlalchemy.pool.impl.QueuePool')
    expect(imbalance.evidence).toMatchObject({ unreturnedCount: truth.checkedOutAtEnd, checkouts: truth.checkouts, checkins: truth.checkins })
    expect(imbalance.evidence.unreturned[0]?.thread).toMatch(/Thread/)
    expect(only(analysis, 'pool-exhaustion').evidence).toMatchObject({ timeouts: truth.poolTimeouts, poolSize: 5, maxOverflow: 10 })
  })

  it('scoped_session never removed, with the listener: the line that took the connection', async () => {
    const analysis = await analyze('scoped-session-never-removed.jsonl')
    const imbalance = only(analysis, 'pool-imbalance')
    expect(imbalance.title).toContain(`by ${await frameOf('scenario_scoped_session_never_removed.py', 'get_order', /Session\.execute\(/)}`)
    expect(imbalance.subject.pool).toMatch(/#1\[pid \d+\]$/)
    expect(imbalance.pids.length).toBeGreaterThan(0)
  })

  it('a checkout leaked on an error path: never returned, named by the code that took it', async () => {
    const truth = await truthOf('checkout-leaked-on-error.log')
    const fromLog = await analyze('checkout-leaked-on-error.log')
    expect(kinds(fromLog)).toEqual(['pool-exhaustion', 'pool-imbalance'])
    expect(only(fromLog, 'pool-imbalance').evidence.unreturnedCount).toBe(truth.checkedOutAtEnd)
    const withListener = await analyze('checkout-leaked-on-error.jsonl')
    expect(kinds(withListener)).toEqual(['pool-imbalance'])
    expect(only(withListener, 'pool-imbalance').title).toContain(`by ${await frameOf('scenario_checkout_leaked_on_error.py', 'handle', /^\s+[\w.]+ = engine\.connect\(\)/)}`)
  })

  it.each(['engine-per-test', 'engine-per-call'])('%s: more pools than one, never a checkout imbalance', async (name) => {
    const truth = await truthOf(`${name}.log`)
    const fromLog = await analyze(`${name}.log`, 30)
    expect(kinds(fromLog)).toEqual(['multiple-pools'])
    const finding = only(fromLog, 'multiple-pools')
    expect(finding.subject.pool).toBe('sqlalchemy.pool.impl.QueuePool')
    expect(finding.evidence.strandedConnections).toBeGreaterThanOrEqual(3)
    expect(finding.evidence).toMatchObject({ checkouts: truth.checkouts, checkins: truth.checkins })
    // The listener names each engine's pool apart: pools made one after another, never closed.
    const listenerTruth = await truthOf(`${name}.jsonl`)
    const withListener = await analyze(`${name}.jsonl`, 30)
    expect(kinds(withListener)).toEqual(['multiple-pools'])
    expect(only(withListener, 'multiple-pools').evidence.pools).toBe(listenerTruth.engines)
  })

  it('workers beyond the slots: pool-sizing with the arithmetic, the refusals counted once each, no leak kind', async () => {
    const truth = await truthOf('workers-beyond-slots.log')
    const analysis = await analyze('workers-beyond-slots.log', truth.maxConnections)
    expect(kinds(analysis).filter((kind) => LEAK_KINDS.includes(kind as FindingKind))).toEqual([])
    const sizing = only(analysis, 'pool-sizing')
    expect(sizing.severity).toBe('error')
    expect(sizing.evidence).toMatchObject({ basis: 'pool-logs', processes: truth.processes, usableSlots: truth.maxConnections! - 3, refusedConnections: truth.refusedRequests })
    // A traceback quotes each refusal twice (psycopg2's error, SQLAlchemy's wrapper): one per failed request.
    expect(analysis.ledger.tooManyClients).toBe(truth.refusedRequests)
    expect(analysis.files[0]!.repeatedInTraceback).toBe(truth.refusedRequests)

    // The listener knows the sizes: processes x (pool size + overflow).
    const withListener = await analyze('workers-beyond-slots.jsonl', truth.maxConnections)
    expect(kinds(withListener).filter((kind) => LEAK_KINDS.includes(kind as FindingKind))).toEqual([])
    const exact = only(withListener, 'pool-sizing')
    expect(exact.title).toContain(`${truth.processes} x (5 + 10)`)
    expect(exact.evidence).toMatchObject({ canOpen: truth.processes * 15, processes: truth.processes })
  })
})
