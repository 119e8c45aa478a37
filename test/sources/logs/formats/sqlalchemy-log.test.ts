// The SQLAlchemy parser reads a line's bytes and remembers what repeats (the
// logger and where it sits, where a repr puts its address, the addresses
// themselves): these pin down that what it remembers never changes what it
// reads, line by line as text or streamed as bytes.
import { describe, expect, it } from 'vitest'
import { sqlalchemyLog } from '../../../../src/sources/logs/formats/sqlalchemy-log.js'
import { fixtureText, linesOf, parseLines, streamedEvents } from './feed-lines.js'

const FIXTURES = [
  'sqlalchemy/f1-connection-per-request.log',
  'sqlalchemy/f4-engine-per-test.log',
  'sqlalchemy/f5-no-timestamps.log',
  'sqlalchemy/f5-scoped-session-never-removed.log',
  'sqlalchemy/f6-transaction-held.log',
  'sqlalchemy/healthy-psycopg3.log',
  'sqlalchemy/healthy.log',
]

const streamed = (text: string, chunkBytes: number) => streamedEvents('sqlalchemy', text, chunkBytes)

const T = '2026-11-21 07:00:40,011'
const repr = (address: string, dsn = 'user=app dbname=shop') => `<connection object at ${address}; dsn: '${dsn}', closed: 0>`

describe('the SQLAlchemy pool log parser', () => {
  it.each(FIXTURES)('gives the same events for %s read as text line by line and streamed as bytes', async (path) => {
    const text = fixtureText(path)
    const byLine = parseLines(sqlalchemyLog, linesOf(text)).events
    expect(byLine.length).toBeGreaterThan(10)
    expect(await streamed(text, 1 << 20)).toEqual(byLine)
    expect(await streamed(text, 777)).toEqual(byLine)
  })

  it('reads lines whose layout and logger change from one line to the next', async () => {
    const a = repr('0x7f0000000a10')
    const b = repr('0x7f0000000b20')
    const lines = [
      `${T} DEBUG sqlalchemy.pool.impl.QueuePool Connection ${a} checked out from pool`,
      `DEBUG:sqlalchemy.pool.impl.QueuePool:Connection ${b} checked out from pool`,
      `${T} 4242 139872541919040 DEBUG sqlalchemy.pool.impl.QueuePool.reports Connection ${a} being returned to pool`,
      `${T} DEBUG sqlalchemy.pool.impl.QueuePool Connection ${b} being returned to pool`,
      `[${T}] [DEBUG] sqlalchemy.pool.impl.QueuePool: Connection ${a} checked out from pool`,
    ]
    const text = lines.join('\n') + '\n'
    const events = parseLines(sqlalchemyLog, lines).events
    expect(events.map((e) => [e.type, e.pool, e.connection, e.process, e.thread])).toEqual([
      ['checkout', 'sqlalchemy.pool.impl.QueuePool', '0x7f0000000a10', undefined, undefined],
      ['checkout', 'sqlalchemy.pool.impl.QueuePool', '0x7f0000000b20', undefined, undefined],
      ['checkin', 'sqlalchemy.pool.impl.QueuePool.reports[pid 4242]', '0x7f0000000a10', 4242, '139872541919040'],
      ['checkin', 'sqlalchemy.pool.impl.QueuePool', '0x7f0000000b20', undefined, undefined],
      ['checkout', 'sqlalchemy.pool.impl.QueuePool', '0x7f0000000a10', undefined, undefined],
    ])
    expect(events[1]!.atMillis).toBeNull()
    expect(events[4]!.atMillis).toBe(Date.UTC(2026, 10, 21, 7, 0, 40, 11))
    expect(await streamed(text, 13)).toEqual(events)
  })

  it('names each connection by its own address, whatever its case, length or place in the repr', () => {
    const psycopg3 = (address: string, host: string) => `<psycopg.Connection [IDLE] (host=${host} database=shop) at ${address}>`
    const lines = [
      `${T} DEBUG sqlalchemy.pool.impl.QueuePool Connection ${repr('0x7f0000000a10')} checked out from pool`,
      `${T} DEBUG sqlalchemy.pool.impl.QueuePool Connection ${repr('0x7F0000000A10')} checked out from pool`,
      `${T} DEBUG sqlalchemy.pool.impl.QueuePool Connection ${repr('0x7f00000000000a10')} checked out from pool`,
      `${T} DEBUG sqlalchemy.pool.impl.QueuePool Connection ${repr('0x00a10')} checked out from pool`,
      `${T} DEBUG sqlalchemy.pool.impl.QueuePool Connection ${psycopg3('0x7f0000000a10', 'db')} checked out from pool`,
      `${T} DEBUG sqlalchemy.pool.impl.QueuePool Connection ${psycopg3('0x7f0000000a11', 'replica.internal')} checked out from pool`,
      `${T} DEBUG sqlalchemy.pool.impl.QueuePool Connection <pg8000 connection ünïcode> checked out from pool`,
    ]
    expect(parseLines(sqlalchemyLog, lines).events.map((e) => e.connection)).toEqual([
      '0x7f0000000a10',
      '0x7F0000000A10',
      '0x7f00000000000a10',
      '0x00a10',
      '0x7f0000000a10',
      '0x7f0000000a11',
      '<pg8000 connection ünïcode>',
    ])
  })

  it('tells thousands of connections apart however many it has seen', () => {
    const addresses = Array.from({ length: 9000 }, (_, i) => `0x7f${(0x10000000 + i * 0x1a0).toString(16)}`)
    const lines = [...addresses, ...addresses.slice(0, 100)].map((address) => `${T} DEBUG sqlalchemy.pool.impl.QueuePool Connection ${repr(address)} checked out from pool`)
    expect(parseLines(sqlalchemyLog, lines).events.map((e) => e.connection)).toEqual([...addresses, ...addresses.slice(0, 100)])
  })

  it('finds QueuePool timeouts on later lines of a chunk, among lines of other loggers', async () => {
    const timeout = 'sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30.00'
    const lines = [`${T} INFO app GET /orders 200`, `${T} INFO app GET /orders 200`, timeout, `${T} INFO app GET /orders 200`, timeout]
    const text = lines.join('\n') + '\n'
    const events = await streamed(text, 1 << 20)
    expect(events.map((e) => [e.type, e.line, e.poolSize, e.maxOverflow, e.timeoutSeconds])).toEqual([
      ['pool-timeout', 3, 5, 10, 30],
      ['pool-timeout', 5, 5, 10, 30],
    ])
    expect(parseLines(sqlalchemyLog, lines).events).toEqual(events)
  })

  it('reads a log in another script, byte offsets and character offsets apart', async () => {
    const lines = [
      `${T} DEBUG sqlalchemy.pool.impl.QueuePool Connection ${repr('0x7f0000000a10', 'user=приложение dbname=магазин')} checked out from pool`,
      `${T} WARNING sqlalchemy.pool.impl.QueuePool The garbage collector is trying to clean up non-checked-in connection ${repr('0x7f0000000a10', 'user=приложение')}, which will be dropped, as it cannot be safely terminated. Please ensure that SQLAlchemy pooled connections are returned to the pool explicitly`,
      `${T} INFO sqlalchemy.pool.impl.QueuePool Pool disposed. Pool size: 5  Connections in pool: 2 Current Overflow: -3 Current Checked out connections: 0 — ok`,
    ]
    const text = lines.join('\n') + '\n'
    const events = parseLines(sqlalchemyLog, lines).events
    expect(events.map((e) => [e.type, e.connection])).toEqual([
      ['checkout', '0x7f0000000a10'],
      ['gc-leak', '0x7f0000000a10'],
      ['dispose', undefined],
    ])
    expect(events[1]!.text).toMatch(/^The garbage collector is trying to clean up non-checked-in connection <connection object at 0x7f0000000a10; dsn: 'user=приложение'/)
    expect(events[2]!.poolSize).toBe(5)
    expect(await streamed(text, 5)).toEqual(events)
  })
})
