// PostgreSQL 18's own logs (test/fixtures/pool-logs/postgres, written by a
// real server: see generate.mjs there), one per log_line_prefix layout plus
// csvlog and jsonlog, and constructed lines for what a short run cannot show.
import { describe, expect, it } from 'vitest'
import type { PoolEvent } from '../../../../src/core/pool-event.js'
import { hikariLog } from '../../../../src/sources/logs/formats/hikari-log.js'
import { postgresCsvLog, postgresJsonLog, postgresLog } from '../../../../src/sources/logs/formats/postgres-log.js'
import { classifyServerMessage, ServerSessions } from '../../../../src/sources/logs/formats/postgres-sessions.js'
import type { LogFormat } from '../../../../src/sources/logs/log-format.js'
import { countBy, fixtureText, linesOf, parseInChunks, parseLines, streamedEvents } from './feed-lines.js'

interface ServerLogFixture {
  readonly file: string
  readonly format: LogFormat
  /** log_timezone's offset on the day the fixture was written. */
  readonly offset: string
  /** Sessions the generator's own setup opened (the collector run waits for the server with one more). */
  readonly setupSessions: number
}

const FIXTURES: readonly ServerLogFixture[] = [
  { file: 'default-prefix.log', format: postgresLog, offset: 'Z', setupSessions: 1 },
  { file: 'pgbadger-prefix.log', format: postgresLog, offset: '+01:00', setupSessions: 1 },
  { file: 'debian-prefix.log', format: postgresLog, offset: '-03:00', setupSessions: 1 },
  { file: 'bracketed-prefix.log', format: postgresLog, offset: '+09:00', setupSessions: 1 },
  { file: 'verbose-sqlstate.log', format: postgresLog, offset: 'Z', setupSessions: 1 },
  { file: 'collector.csv', format: postgresCsvLog, offset: 'Z', setupSessions: 2 },
  { file: 'collector.json', format: postgresJsonLog, offset: 'Z', setupSessions: 2 },
]

/** What the generator's workload does, in sessions per application_name. */
function expectedSessions(setupSessions: number): Record<string, number> {
  return {
    'fixture-setup': setupSessions,
    'billing-worker': 1,
    api: 8,
    '(none)': 1,
    reports: 2,
    'tiny-app': 2,
    'typo-app': 1,
    'locked-app': 1,
    'leaky-api': 9,
    'admin-burst': 3,
  }
}

const byApplication = (event: PoolEvent): string | undefined => event.application

function fatalTexts(events: readonly PoolEvent[]): string[] {
  return events
    .filter((e) => e.type === 'too-many-clients')
    .map((e) => e.text ?? '')
    .sort()
}

describe.each(FIXTURES)('PostgreSQL 18 server log $file', ({ file, format, offset, setupSessions }) => {
  const text = fixtureText(`postgres/${file}`)
  const lines = linesOf(text)
  const { events, skipped } = parseLines(format, lines)

  it('is recognised as its own format, and every line is readable', () => {
    const others = [postgresLog, postgresCsvLog, postgresJsonLog, hikariLog].filter((f) => f !== format)
    const score = format.sniff(lines.slice(0, 50))
    expect(score).toBeGreaterThan(0.8)
    for (const other of others) expect(other.sniff(lines.slice(0, 50))).toBeLessThan(score)
    expect(skipped).toEqual([])
  })

  it('counts the sessions each application opened and closed', () => {
    expect(countBy(events, 'session-start', byApplication)).toEqual(expectedSessions(setupSessions))
    // The application is only on the authorized line in most layouts: the end carries it from there.
    expect(countBy(events, 'session-end', byApplication)).toEqual(expectedSessions(setupSessions))
  })

  it('leaves no session open: every start has its end, refused backends included', () => {
    const open = new Map<string, PoolEvent>()
    for (const event of events) {
      if (event.type === 'session-start') open.set(event.connection!, event)
      if (event.type === 'session-end') {
        expect(open.has(event.connection!), `session-end without start, line ${event.line}`).toBe(true)
        open.delete(event.connection!)
      }
    }
    expect([...open.values()]).toEqual([])
  })

  it('reports every refusal by a connection limit, with who was refused when the server said', () => {
    expect(fatalTexts(events)).toEqual([
      ...Array(4).fill('remaining connection slots are reserved for roles with privileges of the "pg_use_reserved_connections" role'),
      'remaining connection slots are reserved for roles with the SUPERUSER attribute',
      'sorry, too many clients already',
      'sorry, too many clients already',
      'too many connections for database "tiny"',
      'too many connections for role "limited"',
    ])
    const refusals = events.filter((e) => e.type === 'too-many-clients')
    expect(refusals.every((e) => e.source === 'postgres' && e.pool === 'server' && e.backendPid === Number(e.connection))).toBe(true)
    expect(refusals.find((e) => e.text?.includes('for role'))).toMatchObject({ user: 'limited', database: 'shop', application: 'reports' })
    expect(refusals.find((e) => e.text?.includes('for database'))).toMatchObject({ user: 'app', database: 'tiny', application: 'tiny-app' })
    // Refused before authorization: nothing is known about who it was.
    expect(refusals.filter((e) => e.text?.startsWith('sorry')).every((e) => e.application === undefined)).toBe(true)
  })

  it('closes a backend refused after `connection authorized` at its FATAL, since it logs no disconnection', () => {
    const refused = events.find((e) => e.type === 'too-many-clients' && e.text?.includes('for role'))!
    const end = events.find((e) => e.type === 'session-end' && e.connection === refused.connection)
    expect(end).toMatchObject({ line: refused.line, application: 'reports', text: refused.text })
    expect(end?.sessionSeconds).toBeLessThan(1)
    const typo = events.filter((e) => e.application === 'typo-app').map((e) => e.type)
    expect(typo).toEqual(['session-start', 'session-end'])
  })

  it('gives session lengths from the disconnection line', () => {
    const worker = events.find((e) => e.type === 'session-end' && e.application === 'billing-worker')
    expect(worker?.sessionSeconds).toBeGreaterThan(1.5)
    expect(worker).toMatchObject({ user: 'app', database: 'shop', source: 'postgres', pool: 'server' })
    const api = events.filter((e) => e.type === 'session-end' && e.application === 'api')
    expect(api.every((e) => e.sessionSeconds! < 1)).toBe(true)
  })

  it(`reads times in the log's zone (${offset})`, () => {
    const start = events.find((e) => e.type === 'session-start')!
    const [, date, time] = /(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d{3})?)/.exec(lines[start.line - 1]!)!
    expect(start.atMillis).toBe(Date.parse(`${date}T${time}${offset}`))
    const times = events.map((e) => e.atMillis!)
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]! - 1000)).toBe(true)
  })

  it('gives the same events however the file is cut into chunks', () => {
    for (const seed of [1, 7, 2024]) expect(parseInChunks(format, text, seed)).toEqual({ events, skipped })
  })
})

describe('postgres (stderr) lines', () => {
  const parse = (...lines: string[]): PoolEvent[] => parseLines(postgresLog, lines).events

  it('starts a new session when a pid comes back, whatever the old one left behind', () => {
    const events = parse(
      '2024-05-01 12:00:00.100 UTC [4242] LOG:  connection authorized: user=app database=shop application_name=old-worker',
      // No disconnection for 4242 (the log was rotated, or log_disconnections was off for a while)...
      '2024-05-01 13:00:00.000 UTC [4242] LOG:  connection received: host=10.0.3.7 port=51514',
      '2024-05-01 13:00:00.010 UTC [4242] LOG:  connection authorized: user=app database=shop application_name=new-worker',
      '2024-05-01 13:00:05.010 UTC [4242] LOG:  disconnection: session time: 0:00:05.000 user=app database=shop host=10.0.3.7 port=51514',
    )
    expect(events.map((e) => [e.type, e.application])).toEqual([
      ['session-start', 'old-worker'],
      ['session-start', 'new-worker'],
      ['session-end', 'new-worker'],
    ])
  })

  it('does not end a stale session when a reused pid is refused before authorization', () => {
    const events = parse(
      '2024-05-01 12:00:00.100 UTC [4242] LOG:  connection authorized: user=app database=shop application_name=old-worker',
      '2024-05-01 13:00:00.000 UTC [4242] LOG:  connection received: host=10.0.3.7 port=51514',
      '2024-05-01 13:00:00.001 UTC [4242] FATAL:  sorry, too many clients already',
    )
    expect(events.map((e) => e.type)).toEqual(['session-start', 'too-many-clients'])
    expect(events[1]?.application).toBeUndefined()
  })

  it('forgets every session when the server starts again', () => {
    const events = parse(
      '2024-05-01 12:00:00.100 UTC [4242] LOG:  connection authorized: user=app database=shop application_name=api',
      '2024-05-01 12:05:00.000 UTC [1] LOG:  database system is ready to accept connections',
      '2024-05-01 12:06:00.000 UTC [4242] FATAL:  too many connections for role "app"',
    )
    expect(events.map((e) => e.type)).toEqual(['session-start', 'too-many-clients'])
    expect(events[1]).toMatchObject({ user: 'app', backendPid: 4242 })
  })

  it('reads the authorized line in all its shapes', () => {
    const events = parse(
      '2024-05-01 12:00:00.110 UTC [1] LOG:  connection authorized: user=app database=shop application_name=api-worker SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)',
      '2024-05-01 12:00:00.110 UTC [2] LOG:  connection authorized: user=app database=shop application_name=PostgreSQL JDBC Driver',
      '2024-05-01 12:00:00.110 UTC [3] LOG:  connection authorized: user=app database=shop GSS (authenticated=yes, encrypted=yes, delegated_credentials=no, principal=app@EXAMPLE.COM)',
      '2024-05-01 12:00:00.110 UTC [4] LOG:  replication connection authorized: user=replicator application_name=standby1',
      '2024-05-01 12:00:00.110 UTC [5] LOG:  connection authorized: user=app database=shop',
    )
    expect(events.map((e) => [e.connection, e.user, e.database, e.application])).toEqual([
      ['1', 'app', 'shop', 'api-worker'],
      ['2', 'app', 'shop', 'PostgreSQL JDBC Driver'],
      ['3', 'app', 'shop', undefined],
      ['4', 'replicator', undefined, 'standby1'],
      ['5', 'app', 'shop', undefined],
    ])
  })

  it('reads session times of a day and more (hours are not zero-padded), and Unix-socket disconnections', () => {
    const events = parse(
      '2024-05-01 12:00:00.000 UTC [1] LOG:  disconnection: session time: 27:03:09.001 user=app database=shop host=10.0.3.7 port=51514',
      '2024-05-01 12:00:00.000 UTC [2] LOG:  disconnection: session time: 0:00:00.012 user=app database=shop host=[local]',
    )
    expect(events.map((e) => e.sessionSeconds)).toEqual([27 * 3600 + 3 * 60 + 9.001, 0.012])
    expect(events[1]).toMatchObject({ user: 'app', database: 'shop', backendPid: 2 })
  })

  it('knows the older servers’ reserved-slots message', () => {
    const [event] = parse('2021-03-01 08:00:00.000 UTC [77] FATAL:  remaining connection slots are reserved for non-replication superuser connections')
    expect(event).toMatchObject({ type: 'too-many-clients', backendPid: 77, atMillis: Date.parse('2021-03-01T08:00:00.000Z') })
  })

  it('reads epoch (%n) prefixes, numeric zones, and zones it cannot place as UTC', () => {
    const events = parse(
      '1714564800.250 [1] LOG:  connection authorized: user=app database=shop',
      '2024-05-01 17:45:00.000 +0545 [2] LOG:  connection authorized: user=app database=shop',
      '2024-05-01 12:00:00 IST [3] LOG:  connection authorized: user=app database=shop',
      '2024-05-01 14:00:00.000 CEST [4] LOG:  connection authorized: user=app database=shop',
    )
    expect(events.map((e) => e.atMillis)).toEqual([1714564800250, Date.parse('2024-05-01T12:00:00Z'), Date.parse('2024-05-01T12:00:00Z'), Date.parse('2024-05-01T12:00:00Z')])
  })

  it('passes over continuation and detail lines, and counts only what is not a server log line', () => {
    const parser = postgresLog.create()
    expect(parser.parseLine('\t  FROM missing_orders', 1)).toEqual([])
    expect(parser.parseLine('2024-05-01 12:00:00.000 UTC [1] LOCATION:  PerformAuthentication, postinit.c:309', 2)).toEqual([])
    expect(parser.parseLine('2024-05-01 12:00:00.000 UTC [1] DETAIL:  User does not have CONNECT privilege.', 3)).toEqual([])
    expect(parser.parseLine('2024-05-01 12:00:00.000 UTC [1] STATEMENT:  SELECT 1', 4)).toEqual([])
    expect(parser.parseLine('LOCATION:  PerformAuthentication, postinit.c:309', 5)).toEqual([])
    expect(parser.parseLine('', 6)).toEqual([])
    expect(parser.parseLine('Traceback (most recent call last):', 7)).toBeUndefined()
    expect(parser.parseLine('2024-05-01 12:00:00,123 INFO sqlalchemy.pool.impl.QueuePool Connection <x> checked out from pool', 8)).toBeUndefined()
  })

  it('is not fooled by a statement that quotes a session message', () => {
    const events = parse(
      "2024-05-01 12:00:00.000 UTC [9] ERROR:  syntax error at or near \"connection\"",
      "2024-05-01 12:00:00.000 UTC [9] STATEMENT:  select 'disconnection: session time: 0:00:01.000 user=x database=y host=z'",
      "2024-05-01 12:00:00.000 UTC [9] LOG:  statement: select 'sorry, too many clients already'",
    )
    expect(events).toEqual([])
  })
})

describe('postgres-csv and postgres-json lines', () => {
  it('reads a csvlog record whose quoted fields hold quotes and span lines', () => {
    const { events, skipped } = parseLines(postgresCsvLog, [
      '2024-05-01 12:00:00.000 UTC,"app","shop",4242,"10.0.3.7:51514",66321a40.1092,4,"SELECT",2024-05-01 12:00:00 UTC,1/7,0,ERROR,42P01,"relation ""x"" does not exist",,,,,,"SELECT id,',
      '2024-05-01 12:00:00.000 UTC,"looks like a record, but is the statement going on",LOG,00000,"connection authorized: user=nobody",',
      '  FROM x",32,,"api","client backend",,0',
      '2024-05-01 12:00:01.000 UTC,"app","shop",4243,"10.0.3.7:51516",66321a41.1093,3,"startup",2024-05-01 12:00:01 UTC,,0,FATAL,53300,"too many connections for role ""app""",,,,,,,,,"api","client backend",,0',
    ])
    expect(skipped).toEqual([])
    expect(events).toEqual([
      {
        type: 'too-many-clients',
        source: 'postgres',
        atMillis: Date.parse('2024-05-01T12:00:01Z'),
        line: 4,
        pool: 'server',
        connection: '4243',
        backendPid: 4243,
        application: 'api',
        user: 'app',
        text: 'too many connections for role "app"',
      },
    ])
  })

  it('reads a jsonlog message with escaped quotes', () => {
    const { events } = parseLines(postgresJsonLog, [
      '{"timestamp":"2024-05-01 12:00:01.000 UTC","user":"app","dbname":"shop","pid":4243,"error_severity":"FATAL","state_code":"53300","message":"too many connections for database \\"shop\\"","application_name":"api","backend_type":"client backend"}',
    ])
    expect(events).toMatchObject([{ type: 'too-many-clients', backendPid: 4243, database: 'shop', application: 'api' }])
  })

  it('counts lines that are not records of the format', () => {
    expect(postgresCsvLog.create().parseLine('not a csvlog record', 1)).toBeUndefined()
    expect(postgresJsonLog.create().parseLine('2024-05-01 12:00:00.000 UTC [1] LOG:  connection received: host=x', 1)).toBeUndefined()
  })
})

describe('ServerSessions', () => {
  it('keeps state only for sessions still open', () => {
    const sessions = new ServerSessions()
    const record = (severity: string, message: string, pid: number): void => {
      const kind = classifyServerMessage(severity, message, 0)
      if (kind) sessions.record(kind, message, 0, { pid, atMillis: 0, lineNumber: 1 })
    }
    for (let pid = 1; pid <= 1000; pid++) {
      record('LOG', `connection authorized: user=app database=shop application_name=worker-${pid % 7}`, pid)
      if (pid % 3 === 0) record('FATAL', 'remaining connection slots are reserved for roles with the SUPERUSER attribute', pid)
      else if (pid % 3 === 1) record('FATAL', 'database "nowhere" does not exist', pid)
      else record('LOG', 'disconnection: session time: 0:00:00.005 user=app database=shop host=10.0.0.1 port=5000', pid)
    }
    expect(sessions.openCount).toBe(0)
    record('LOG', 'connection authorized: user=app database=shop', 1)
    record('LOG', 'connection authorized: user=app database=shop', 2)
    expect(sessions.openCount).toBe(2)
    record('LOG', 'database system is ready to accept connections', 99)
    expect(sessions.openCount).toBe(0)
  })
})

describe('the stderr log read as bytes', () => {
  const streamed = (text: string, chunkBytes: number) => streamedEvents('postgres', text, chunkBytes)

  it.each(FIXTURES.filter((f) => f.format === postgresLog).map((f) => f.file))('gives the same events for %s streamed as bytes as line by line as text', async (file) => {
    const text = fixtureText(`postgres/${file}`)
    const byLine = parseLines(postgresLog, linesOf(text)).events
    expect(byLine.length).toBeGreaterThan(4)
    expect(await streamed(text, 1 << 20)).toEqual(byLine)
    expect(await streamed(text, 333)).toEqual(byLine)
  })

  it('reads names in other scripts, zones that change and prefixes that hold `:  `', async () => {
    const lines = [
      '2026-11-21 09:00:00.100 CET [101] app=Zürich:  report LOG:  connection authorized: user=владелец database=склад application_name=Zürich:  report',
      '2026-11-21 09:00:01.200 CET [101] app=Zürich:  report LOG:  disconnection: session time: 0:00:01.100 user=владелец database=склад host=10.0.0.1 port=5000',
      '2026-11-21 08:00:02.300 UTC [102] app=psql LOG:  connection authorized: user=app database=shop application_name=psql',
      '2026-11-21 08:00:02.400 UTC [103] app=psql FATAL:  too many connections for role "app"',
    ]
    const text = lines.join('\n') + '\n'
    const events = parseLines(postgresLog, lines).events
    expect(events.map((e) => [e.type, e.backendPid, e.application, e.user, e.database])).toEqual([
      ['session-start', 101, 'Zürich:  report', 'владелец', 'склад'],
      ['session-end', 101, 'Zürich:  report', 'владелец', 'склад'],
      ['session-start', 102, 'psql', 'app', 'shop'],
      ['too-many-clients', 103, undefined, 'app', undefined],
    ])
    expect(events[0]!.atMillis).toBe(Date.UTC(2026, 10, 21, 8, 0, 0, 100))
    expect(events[1]!.sessionSeconds).toBeCloseTo(1.1)
    expect(events[2]!.atMillis).toBe(Date.UTC(2026, 10, 21, 8, 0, 2, 300))
    expect(await streamed(text, 7)).toEqual(events)
  })
})
