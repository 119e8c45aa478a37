// SQLAlchemy's `sqlalchemy.pool` logger, 1.3 to 2.1, in the layouts people
// configure: basicConfig's `LEVEL:logger:message` (no time), SQLAlchemy's own
// `%(asctime)s LEVEL logger message`, and common variants with the process
// and thread ids or brackets around the level. A connection is named by the
// address in its repr (`<connection object at 0x7f...; dsn: ...>` for
// psycopg2, `<psycopg.Connection [IDLE] (...) at 0x7f...>`, asyncpg and
// pg8000 alike); a pool by its logger name and, when the layout has it, its
// process. Lines of other loggers and traceback lines say nothing, except the
// QueuePool TimeoutError, which is recognised wherever it appears.
import type { PoolEvent, PoolEventType } from '../../../core/pool-event.js'
import type { LineParser, LogFormat } from '../log-format.js'

const POOL_LOGGER = /(?:^|[\s:[\]|])(sqlalchemy\.pool(?:\.impl)?\.\w+(?:\.[\w.-]+)?)(?=[\s:\]|])/
const LEVEL = /(?:^|[\s[:|])(DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL)(?=[\s\]:|])/
const TIMESTAMP = /^\[?(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:[,.](\d{1,6}))?/
const ADDRESS = / at (0x[0-9a-fA-F]+)/
const QUEUEPOOL_LIMIT = /QueuePool limit of size (\d+) overflow (-?\d+) reached, connection timed out, timeout (\d+(?:\.\d+)?)/
const GC_LEAK = /The garbage collector is trying to clean up (?:non-checked-in )?connection (<.*?>)[,.]/
const POOL_STATUS = /Pool size: (\d+) {1,2}Connections in pool: (\d+) Current Overflow: (-?\d+) Current Checked out connections: (\d+)/

interface MessagePattern {
  readonly type: PoolEventType
  readonly pattern: RegExp
}

// Order matters only where one message contains another's words.
const MESSAGES: readonly MessagePattern[] = [
  { type: 'connect', pattern: /^Created new connection (<.*>)$/ },
  { type: 'checkout', pattern: /^Connection (<.*>) checked out from pool$/ },
  { type: 'checkin', pattern: /^Connection (<.*>) being returned to pool$/ },
  { type: 'close', pattern: /^(?:Hard-closing|Closing) connection (<.*>)$/ },
  { type: 'invalidate', pattern: /^(?:Soft )?Invalidate connection (<.*?>)(?: \(reason: .*\))?$/ },
  { type: 'dispose', pattern: /^Pool disposed\. / },
  { type: 'dispose', pattern: /^Pool recreating$/ },
]

/** A copy that owns its characters: a regex capture is a slice that would keep the whole line alive. */
function own(text: string): string {
  return (' ' + text).slice(1)
}

function connectionId(repr: string): string {
  const address = ADDRESS.exec(repr)
  return own(address?.[1] ?? repr)
}

function timestampOf(line: string): { atMillis: number | null; rest: string } {
  const match = TIMESTAMP.exec(line)
  if (!match) return { atMillis: null, rest: line }
  const [, year, month, day, hour, minute, second, fraction] = match
  // asctime has no zone: it is the writer's local time, which pgleak cannot know; it reads it as UTC,
  // which keeps every duration right.
  const millis = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), fraction ? Number(fraction.padEnd(3, '0').slice(0, 3)) : 0)
  return { atMillis: millis, rest: line.slice(match[0].length) }
}

/** `%(process)d` and `%(thread)d` between the time and the level, when the layout has them. */
function processAndThread(beforeLevel: string): { process?: number; thread?: string } {
  const numbers = beforeLevel.match(/\b\d{2,}\b/g)
  if (!numbers || numbers.length === 0) return {}
  return { process: Number(numbers[0]), ...(numbers[1] !== undefined ? { thread: own(numbers[1]) } : {}) }
}

class SqlalchemyLineParser implements LineParser {
  /** The pool the last pool line named: a TimeoutError in a traceback names none. */
  #lastPool = 'sqlalchemy.pool'

  parseLine(line: string, lineNumber: number): readonly PoolEvent[] | undefined {
    const isPoolLine = line.includes('sqlalchemy.pool')
    if (!isPoolLine) {
      if (line.includes('QueuePool limit')) return this.#timeout(line, lineNumber, null)
      return []
    }
    const loggerMatch = POOL_LOGGER.exec(line)
    if (!loggerMatch?.[1]) return line.includes('QueuePool limit') ? this.#timeout(line, lineNumber, null) : []
    const { atMillis, rest } = timestampOf(line)
    const loggerIndex = loggerMatch.index + loggerMatch[0].indexOf(loggerMatch[1])
    const message = line.slice(loggerIndex + loggerMatch[1].length).replace(/^[\s:\]|-]+/, '')
    const levelMatch = LEVEL.exec(rest)
    const head = levelMatch ? rest.slice(0, levelMatch.index) : ''
    const { process, thread } = processAndThread(head)
    const pool = own(process !== undefined ? `${loggerMatch[1]}[pid ${process}]` : loggerMatch[1])
    this.#lastPool = pool
    const base = { source: 'sqlalchemy' as const, atMillis, line: lineNumber, pool, ...(process !== undefined ? { process } : {}), ...(thread !== undefined ? { thread } : {}) }

    if (message.includes('QueuePool limit')) return this.#timeout(message, lineNumber, atMillis, base)
    const gc = GC_LEAK.exec(message)
    if (gc?.[1]) return [{ ...base, type: 'gc-leak', connection: connectionId(gc[1]), text: own(message.slice(0, 200)) }]
    for (const { type, pattern } of MESSAGES) {
      const match = pattern.exec(message)
      if (!match) continue
      if (type === 'dispose') {
        const status = POOL_STATUS.exec(message)
        return [{ ...base, type, ...(status ? { poolSize: Number(status[1]), idle: Number(status[2]), active: Number(status[4]) } : {}) }]
      }
      return [{ ...base, type, connection: connectionId(match[1] ?? '') }]
    }
    return []
  }

  #timeout(text: string, lineNumber: number, atMillis: number | null, base?: Omit<PoolEvent, 'type'>): readonly PoolEvent[] {
    const match = QUEUEPOOL_LIMIT.exec(text)
    if (!match) return []
    return [
      {
        ...(base ?? { source: 'sqlalchemy' as const, atMillis, line: lineNumber, pool: this.#lastPool }),
        type: 'pool-timeout',
        poolSize: Number(match[1]),
        maxOverflow: Number(match[2]),
        timeoutSeconds: Number(match[3]),
        text: own(match[0]),
      },
    ]
  }
}

export const sqlalchemyLog: LogFormat = {
  name: 'sqlalchemy',
  description: "SQLAlchemy's sqlalchemy.pool logger (1.3 to 2.1), with or without timestamps",
  sniff(lines) {
    const hits = lines.filter((line) => line.includes('sqlalchemy.pool') || line.includes('QueuePool limit')).length
    return hits === 0 ? 0 : Math.min(1, 0.5 + hits / Math.max(4, lines.length))
  },
  create: () => new SqlalchemyLineParser(),
}
