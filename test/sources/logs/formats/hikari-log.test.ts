// HikariCP logs: real output of HikariCP 5.1.0 and 2.7.9 (LeakDemo.java in
// test/fixtures/pool-logs/hikaricp), and 6.x forms constructed from its
// source's templates (see the README there).
import { describe, expect, it } from 'vitest'
import type { PoolEvent } from '../../../../src/core/pool-event.js'
import { hikariLog } from '../../../../src/sources/logs/formats/hikari-log.js'
import { postgresCsvLog, postgresJsonLog, postgresLog } from '../../../../src/sources/logs/formats/postgres-log.js'
import { countBy, fixtureText, linesOf, parseInChunks, parseLines } from './feed-lines.js'

interface RealRun {
  readonly file: string
  /** 5.1 added the pool's counters to the timeout message. */
  readonly timeoutCounters: boolean
  /** How the layout's times read, or null when it prints none. */
  readonly offset: string | null
  /** The process id the layout prints (Spring Boot's), or null when it prints none. */
  readonly process: number | null
}

const REAL_RUNS: readonly RealRun[] = [
  { file: 'hikaricp-5.1.0-spring-boot.log', timeoutCounters: true, offset: '+01:00', process: 29072 },
  { file: 'hikaricp-5.1.0-slf4j-simple.log', timeoutCounters: true, offset: 'Z', process: null },
  { file: 'hikaricp-2.7.9-slf4j-simple.log', timeoutCounters: false, offset: null, process: null },
]

const of = (events: readonly PoolEvent[], type: PoolEvent['type']): PoolEvent[] => events.filter((e) => e.type === type)

describe.each(REAL_RUNS)('HikariCP log $file', ({ file, timeoutCounters, offset, process }) => {
  const text = fixtureText(`hikaricp/${file}`)
  const lines = linesOf(text)
  const { events, skipped } = parseLines(hikariLog, lines)

  it('is recognised as a HikariCP log, and no line is unreadable', () => {
    const score = hikariLog.sniff(lines.slice(0, 50))
    expect(score).toBeGreaterThan(0.5)
    for (const other of [postgresLog, postgresCsvLog, postgresJsonLog]) expect(other.sniff(lines.slice(0, 50))).toBeLessThan(score)
    expect(skipped).toEqual([])
  })

  it('reports both leaks with the borrowing thread and where it borrowed', () => {
    const leaks = of(events, 'leak-warning')
    expect(leaks.map((e) => e.thread)).toEqual(['http-nio-8080-exec-1', 'http-nio-8080-exec-2'])
    // HikariCP hands the same physical connection to the second request.
    expect(leaks[0]?.connection).toMatch(/^org\.postgresql\.jdbc\.PgConnection@[0-9a-f]+$/)
    expect(leaks[1]?.connection).toBe(leaks[0]?.connection)
    for (const leak of leaks) {
      expect(leak).toMatchObject({ source: 'hikaricp', pool: 'HikariPool-1' })
      expect(leak.stack?.[0]).toMatch(/^com\.zaxxer\.hikari\.HikariDataSource\.getConnection\(HikariDataSource\.java:\d+\)$/)
      expect(leak.stack?.at(-1)).toBe('java.base/java.lang.Thread.run(Thread.java:840)')
    }
    expect(leaks[0]?.stack?.[1]).toBe('LeakDemo.lambda$main$0(LeakDemo.java:46)')
    expect(leaks[1]?.stack?.[1]).toBe('LeakDemo.lambda$main$1(LeakDemo.java:55)')
    // The event is the warning's line, not the last frame's.
    expect(lines[leaks[0]!.line - 1]).toContain('Connection leak detection triggered')
  })

  it('reports the first leak as returned (unleaked), and only that one', () => {
    const unleaked = of(events, 'unleaked')
    expect(unleaked).toHaveLength(1)
    expect(unleaked[0]).toMatchObject({ thread: 'http-nio-8080-exec-1', connection: of(events, 'leak-warning')[0]?.connection, pool: 'HikariPool-1' })
  })

  it('reports the exhausted pool: the timeout and the stats that show it full', () => {
    const timeouts = of(events, 'pool-timeout')
    expect(timeouts).toHaveLength(1)
    expect(timeouts[0]?.timeoutSeconds).toBeGreaterThanOrEqual(1)
    expect(timeouts[0]?.timeoutSeconds).toBeLessThan(1.5)
    if (timeoutCounters) expect(timeouts[0]).toMatchObject({ total: 3, active: 3, idle: 0, waiting: 0 })
    else expect(timeouts[0]?.total).toBeUndefined()
    expect(timeouts[0]?.text).toMatch(/^HikariPool-1 - Connection is not available, request timed out after \d+ms/)
    const stats = of(events, 'stats')
    expect(stats.length).toBeGreaterThan(10)
    expect(stats.every((e) => e.pool === 'HikariPool-1' && e.poolSize === undefined)).toBe(true)
    expect(stats.some((e) => e.total === 3 && e.active === 3 && e.idle === 0)).toBe(true)
    expect(stats.at(-1)).toMatchObject({ total: 0, active: 0, idle: 0, waiting: 0 })
  })

  it('sees connections added and closed', () => {
    expect(countBy(events, 'connect', (e) => e.pool)).toEqual({ 'HikariPool-1': 3 })
    expect(of(events, 'close').map((e) => e.text)).toContain('(connection has passed idleTimeout)')
    expect(of(events, 'close').every((e) => e.connection?.startsWith('org.postgresql.jdbc.PgConnection@'))).toBe(true)
  })

  it(offset === null ? 'has no times when the layout prints none' : `reads times in the layout's zone (${offset})`, () => {
    const leak = of(events, 'leak-warning')[0]!
    if (offset === null) return expect(events.every((e) => e.atMillis === null)).toBe(true)
    const [, date, time] = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}\.\d{3})/.exec(lines[leak.line - 1]!)!
    expect(leak.atMillis).toBe(Date.parse(`${date}T${time}${offset}`))
    // The timeout is read from the exception's own line, which takes the time of the record it follows.
    const timeout = of(events, 'pool-timeout')[0]!
    expect(lines[timeout.line - 1]).toMatch(/^java\.sql\.SQLTransientConnectionException: /)
    expect(lines[timeout.line - 2]).toContain('Order lookup failed')
    const [, recordDate, recordTime] = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}\.\d{3})/.exec(lines[timeout.line - 2]!)!
    expect(timeout.atMillis).toBe(Date.parse(`${recordDate}T${recordTime}${offset}`))
  })

  it(process !== null ? 'names the process from the layout' : 'has no process when the layout has none', () => {
    expect([...new Set(events.map((e) => e.process))]).toEqual([process ?? undefined])
  })

  it('gives the same events however the file is cut into chunks', () => {
    for (const seed of [3, 11, 99]) expect(parseInChunks(hikariLog, text, seed)).toEqual({ events, skipped })
  })
})

describe('HikariCP 6.x forms (constructed)', () => {
  it('reads 6.x stats with the pool size, in Spring Boot 3.2’s layout', () => {
    const { events } = parseLines(hikariLog, linesOf(fixtureText('hikaricp/constructed-hikaricp-6.x-spring-boot.log')))
    expect(of(events, 'stats')[0]).toMatchObject({ pool: 'HikariPool-1', total: 10, poolSize: 10, idle: 2, active: 8, waiting: 0, atMillis: Date.parse('2025-03-14T09:15:32.406Z'), process: 7 })
    expect(of(events, 'pool-timeout')).toMatchObject([{ timeoutSeconds: 30.005, total: 10, active: 10, idle: 0, waiting: 4 }])
    expect(of(events, 'leak-warning')).toMatchObject([
      {
        pool: 'HikariPool-1',
        connection: 'org.postgresql.jdbc.PgConnection@5f1a2b3c',
        thread: 'http-nio-8080-exec-7',
        stack: [
          'com.zaxxer.hikari.HikariDataSource.getConnection(HikariDataSource.java:127)',
          'org.springframework.jdbc.datasource.DataSourceUtils.fetchConnection(DataSourceUtils.java:160)',
          'com.example.orders.OrderRepository.findOpen(OrderRepository.java:41)',
          'com.example.orders.OrderController.list(OrderController.java:28)',
        ],
      },
    ])
    expect(of(events, 'unleaked')).toMatchObject([{ connection: 'org.postgresql.jdbc.PgConnection@5f1a2b3c' }])
    expect(of(events, 'close')).toMatchObject([{ connection: 'org.postgresql.jdbc.PgConnection@1a2b3c4d', text: '(connection has passed maxLifetime)' }])
    expect(events.map((e) => e.type)).toEqual(['connect', 'stats', 'stats', 'leak-warning', 'stats', 'pool-timeout', 'unleaked', 'close', 'connect', 'stats'])
  })

  it('reads logback’s default layout: a named pool, no dates, and a leak at the end of the file', () => {
    const { events } = parseLines(hikariLog, linesOf(fixtureText('hikaricp/constructed-hikaricp-6.x-logback.log')))
    expect(events.map((e) => [e.type, e.pool])).toEqual([
      ['connect', 'orders-db'],
      ['stats', 'orders-db'],
      ['stats', 'orders-db'],
      ['pool-timeout', 'orders-db'],
      ['leak-warning', 'orders-db'],
    ])
    expect(events.every((e) => e.atMillis === null)).toBe(true)
    expect(events.at(-1)).toMatchObject({ thread: 'worker-3', stack: ['com.zaxxer.hikari.HikariDataSource.getConnection(HikariDataSource.java:127)', 'com.example.jobs.InvoiceJob.run(InvoiceJob.java:52)', 'java.base/java.lang.Thread.run(Thread.java:1583)'] })
  })

  it('holds a leak warning until its stack trace ends, and emits it with the next line’s events', () => {
    const parser = hikariLog.create()
    expect(parser.parseLine('c.z.h.p.ProxyLeakTask - Connection leak detection triggered for conn-1 on thread main, stack trace follows', 1)).toEqual([])
    expect(parser.parseLine('java.lang.Exception: Apparent connection leak detected', 2)).toEqual([])
    expect(parser.parseLine(' at com.zaxxer.hikari.HikariDataSource.getConnection(HikariDataSource.java:128) ~[HikariCP-5.0.1.jar:na]', 3)).toEqual([])
    expect(parser.parseLine('\t... 12 common frames omitted', 4)).toEqual([])
    const events = parser.parseLine('c.z.h.p.HikariPool - HikariPool-2 - Pool stats (total=1, active=1, idle=0, waiting=0)', 5)
    expect(events).toMatchObject([
      { type: 'leak-warning', line: 1, connection: 'conn-1', thread: 'main', stack: ['com.zaxxer.hikari.HikariDataSource.getConnection(HikariDataSource.java:128)'] },
      { type: 'stats', line: 5, pool: 'HikariPool-2', total: 1, active: 1 },
    ])
    expect(parser.finish?.()).toEqual([])
  })

  it('passes over everything else an application logs', () => {
    const parser = hikariLog.create()
    expect(parser.parseLine('2025-03-14T09:15:02.118Z  INFO 7 --- [main] o.s.b.w.embedded.tomcat.TomcatWebServer  : Tomcat started on port 8080 (http)', 1)).toEqual([])
    expect(parser.parseLine('HikariPool-1 - Closing connection org.postgresql.jdbc.PgConnection@1 failed', 2)).toEqual([])
    expect(parser.parseLine('', 3)).toEqual([])
  })
})
