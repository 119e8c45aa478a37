// psycopg_pool's logs, written by the real library (see the README beside
// the fixtures): read with the format detected, they give every checkout and
// return the program itself counted, per pool, and every PoolTimeout it
// caught, with no line skipped or left not understood.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { PoolEvent } from '../../../src/core/pool-event.js'
import { analyzePoolLogs } from '../../../src/analyze-logs.js'
import { readPoolLog, type PoolLogSummary } from '../../../src/sources/logs/read-pool-log.js'
import { countBy, linesOf, readInChunks } from './formats/feed-lines.js'

interface PoolTruth {
  readonly getconnCalls: number
  readonly connectionsGiven: number
  readonly putconnCalls: number
  readonly timeouts: number
  readonly connectionsOpened: number
}

interface Truth {
  readonly pools: Record<string, PoolTruth>
  /** recycled: the connections the pool still held when it was closed. */
  readonly openBeforeClose?: number
}

const FIXTURES = ['healthy', 'healthy-threadname', 'getconn-never-returned', 'two-pools', 'two-pools-threadname', 'recycled'] as const

function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../../fixtures/pool-logs/psycopg-pool/${name}`, import.meta.url))
}

function truthOf(name: string): Truth {
  return JSON.parse(readFileSync(fixturePath(`${name}.truth.json`), 'utf8')) as Truth
}

function textOf(name: string): string {
  return readFileSync(fixturePath(`${name}.log`), 'utf8')
}

async function read(name: string): Promise<{ events: PoolEvent[]; summary: PoolLogSummary }> {
  const events: PoolEvent[] = []
  const summary = await readPoolLog(fixturePath(`${name}.log`), { onEvent: (event) => events.push(event) })
  return { events, summary }
}

/** Per pool, a figure of the truth, leaving out pools where it is 0 (as counting events does). */
function perPool(truth: Truth, figure: (pool: PoolTruth) => number): Record<string, number> {
  return Object.fromEntries(Object.entries(truth.pools).flatMap(([pool, counts]) => (figure(counts) > 0 ? [[pool, figure(counts)]] : [])))
}

const byPool = (event: PoolEvent): string => event.pool
const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0)

describe("psycopg_pool's own log (psycopg_pool 3.1.5, psycopg 3.1.7, real)", () => {
  it.each(FIXTURES)('%s: detected as psycopg-pool; every getconn() given and putconn() the program counted, per pool', async (name) => {
    const { events, summary } = await read(name)
    const truth = truthOf(name)
    expect(summary.format).toBe('psycopg-pool')
    expect(summary.skipped.count).toBe(0)
    expect(summary.unrecognisedPoolLines.count).toBe(0)
    expect(countBy(events, 'checkout', byPool)).toEqual(perPool(truth, (p) => p.connectionsGiven))
    expect(countBy(events, 'checkin', byPool)).toEqual(perPool(truth, (p) => p.putconnCalls))
    expect(countBy(events, 'pool-timeout', byPool)).toEqual(perPool(truth, (p) => p.timeouts))
    // Every pool was closed once, at the end, and every connection its workers opened was seen.
    expect(countBy(events, 'dispose', byPool)).toEqual(perPool(truth, () => 1))
    expect(sum(countBy(events, 'connect', byPool))).toBe(sum(perPool(truth, (p) => p.connectionsOpened)))
    // Every line of these logs has a time; no message of psycopg_pool's names a connection.
    expect(events.filter((e) => e.atMillis === null)).toEqual([])
    expect(events.filter((e) => e.connection !== undefined)).toEqual([])
  })

  it('getconn() never returned: the 4 connections kept show as checkouts without returns, and the 4 PoolTimeouts at the time they were logged', async () => {
    const { events } = await read('getconn-never-returned')
    const truth = truthOf('getconn-never-returned').pools['pool-1']!
    const checkouts = events.filter((e) => e.type === 'checkout').length
    const checkins = events.filter((e) => e.type === 'checkin').length
    expect(checkouts - checkins).toBe(truth.connectionsGiven - truth.putconnCalls)
    expect(checkouts - checkins).toBe(4)
    const timeouts = events.filter((e) => e.type === 'pool-timeout')
    expect(timeouts.map((e) => [e.pool, e.timeoutSeconds])).toEqual(Array.from({ length: truth.timeouts }, () => ['pool-1', 2]))
    // Each is read from its traceback's last line, at the time of the `ERROR app request N failed` record above it.
    const lines = linesOf(textOf('getconn-never-returned'))
    for (const timeout of timeouts) {
      expect(lines[timeout.line - 1]).toMatch(/^psycopg_pool\.PoolTimeout: couldn't get a connection after 2 sec$/)
      const record = lines.slice(0, timeout.line - 1).findLast((line) => / ERROR app request \d+ failed$/.test(line))!
      expect(timeout.atMillis).toBe(Date.parse(`${record.slice(0, 10)}T${record.slice(11, 19)}.${record.slice(20, 23)}Z`))
    }
  })

  it('connections the pool closes of its own accord (expired, or shrinking back) are read as closed: all it opened but those it held at the end', async () => {
    const { events } = await read('recycled')
    const truth = truthOf('recycled')
    const opened = truth.pools['pool-1']!.connectionsOpened
    expect(countBy(events, 'connect', byPool)).toEqual({ 'pool-1': opened })
    expect(countBy(events, 'close', byPool)).toEqual({ 'pool-1': opened - truth.openBeforeClose! })
    expect(opened - truth.openBeforeClose!).toBeGreaterThan(0)
  })

  it('two pools in one process: each named by its own name, with its own checkouts and returns', async () => {
    for (const name of ['two-pools', 'two-pools-threadname']) {
      const { events } = await read(name)
      const truth = truthOf(name)
      expect([...new Set(events.map((e) => e.pool))].sort()).toEqual(['orders', 'users'])
      for (const pool of ['orders', 'users']) {
        const of = (type: PoolEvent['type']): number => events.filter((e) => e.pool === pool && e.type === type).length
        expect([of('checkout'), of('checkin')]).toEqual([truth.pools[pool]!.connectionsGiven, truth.pools[pool]!.putconnCalls])
      }
    }
  })

  it("with the thread name in the layout, each added connection is its own pool's (its worker thread says whose)", async () => {
    const { events } = await read('two-pools-threadname')
    const truth = truthOf('two-pools-threadname')
    expect(countBy(events, 'connect', byPool)).toEqual(perPool(truth, (p) => p.connectionsOpened))
    for (const event of events.filter((e) => e.type === 'connect')) expect(event.thread).toMatch(new RegExp(`^${event.pool}-worker-\\d$`))
  })

  it('with the thread name in the layout, checkouts and returns carry the application thread that made them', async () => {
    const { events } = await read('healthy-threadname')
    const used = events.filter((e) => e.type === 'checkout' || e.type === 'checkin')
    expect(used.every((e) => e.thread !== undefined && !/-worker-\d$/.test(e.thread))).toBe(true)
    expect(new Set(used.map((e) => e.thread))).toContain('Thread-1 (worker)')
    const { events: plain } = await read('healthy')
    expect(plain.filter((e) => e.thread !== undefined)).toEqual([])
  })
})

/** The healthy log's real lines, laid out otherwise: `time LEVEL logger message` split into its parts. */
function relaid(layout: (time: string, level: string, logger: string, message: string) => string, name = 'healthy'): Buffer {
  const lines = linesOf(textOf(name)).map((line) => {
    const parts = /^(\S+ \S+) (\w+) (\S+) (.*)$/.exec(line)
    return parts ? layout(parts[1]!, parts[2]!, parts[3]!, parts[4]!) : line
  })
  return Buffer.from(lines.join('\n') + '\n')
}

describe('psycopg_pool logs in other layouts (the same real lines)', () => {
  const truth = truthOf('healthy').pools['pool-1']!

  it("basicConfig's `LEVEL:logger:message`, without a time: the same counts, no times", async () => {
    const { events, summary } = await readInChunks(
      relaid((_time, level, logger, message) => `${level}:${logger}:${message}`),
      4096,
    )
    expect(summary.format).toBe('psycopg-pool')
    expect(summary.unrecognisedPoolLines.count).toBe(0)
    expect(countBy(events, 'checkout', byPool)).toEqual({ 'pool-1': truth.connectionsGiven })
    expect(countBy(events, 'checkin', byPool)).toEqual({ 'pool-1': truth.putconnCalls })
    expect(events.every((e) => e.atMillis === null)).toBe(true)
  })

  it('with the process id: the pool is named with it', async () => {
    const { events } = await readInChunks(
      relaid((time, level, logger, message) => `${time} 4242 ${level} ${logger} ${message}`),
      4096,
    )
    expect(countBy(events, 'checkout', byPool)).toEqual({ 'pool-1[pid 4242]': truth.connectionsGiven })
    expect(countBy(events, 'connect', byPool)).toEqual({ 'pool-1[pid 4242]': truth.connectionsOpened })
  })

  it('the thread name in brackets before the level, the logger in brackets with a colon after it', async () => {
    // From the threadname log: `time LEVEL [logger] [thread] message` becomes `[time] [thread] LEVEL [logger]: message`.
    const lines = linesOf(textOf('healthy-threadname')).map((line) => {
      const parts = /^(\S+ \S+) (\w+) (\[[^\]]+\]) (\[[^\]]+\]) (.*)$/.exec(line)
      return parts ? `[${parts[1]}] ${parts[4]} ${parts[2]} ${parts[3]}: ${parts[5]}` : line
    })
    const { events, summary } = await readInChunks(Buffer.from(lines.join('\n') + '\n'), 4096)
    expect(summary.unrecognisedPoolLines.count).toBe(0)
    expect(countBy(events, 'checkout', byPool)).toEqual({ 'pool-1': truth.connectionsGiven })
    expect(events.filter((e) => e.type === 'connect').map((e) => e.thread)).toEqual(Array.from({ length: truth.connectionsOpened }, () => expect.stringMatching(/^pool-1-worker-\d$/)))
    expect(events.every((e) => e.atMillis !== null)).toBe(true)
  })

  it("a message of psycopg.pool's that pgleak does not know is reported as not understood; another logger naming psycopg.pool is not", async () => {
    const text = textOf('healthy')
    const time = text.slice(0, 23)
    const extra = [`${time} INFO psycopg.pool connection lent to 'pool-1'`, `${time} INFO app switched to psycopg.pool for orders`]
    const { summary } = await readInChunks(Buffer.from(text + extra.join('\n') + '\n'), 4096)
    expect(summary.unrecognisedPoolLines.count).toBe(1)
    expect(summary.unrecognisedPoolLines.first[0]?.text).toContain('connection lent to')
  })
})

describe('psycopg_pool logs judged', () => {
  it.each(['healthy', 'healthy-threadname', 'two-pools', 'two-pools-threadname', 'recycled'])('%s: a correctly used pool gives no finding at warning or above', async (name) => {
    const analysis = await analyzePoolLogs([fixturePath(`${name}.log`)])
    expect(analysis.findings.filter((f) => f.severity !== 'info').map((f) => f.title)).toEqual([])
  })

  it('getconn without putconn on an error path: the checkouts never returned, per pool, with the fix in psycopg_pool words', async () => {
    const analysis = await analyzePoolLogs([fixturePath('getconn-never-returned.log')])
    const imbalance = analysis.findings.find((f) => f.kind === 'pool-imbalance')
    expect(imbalance?.subject.pool).toBe('pool-1')
    expect(imbalance?.evidence).toMatchObject({ library: 'psycopg_pool', unreturnedCount: 4, checkouts: 12, checkins: 8 })
    expect(imbalance?.severity).toBe('error')
    expect(imbalance?.advice).toContain('putconn')
    expect(analysis.findings.find((f) => f.kind === 'pool-exhaustion')?.title).toBe('pool-1 ran out of connections: 4 requests timed out waiting for one')
  })
})
