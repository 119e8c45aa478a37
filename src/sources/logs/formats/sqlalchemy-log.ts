// SQLAlchemy's `sqlalchemy.pool` logger, 1.3 to 2.1, in the layouts people
// configure: basicConfig's `LEVEL:logger:message` (no time), SQLAlchemy's own
// `%(asctime)s LEVEL logger message`, and common variants with the process
// and thread ids or brackets around the level. A connection is named by the
// address in its repr (`<connection object at 0x7f...; dsn: ...>` for
// psycopg2, `<psycopg.Connection [IDLE] (...) at 0x7f...>`, asyncpg and
// pg8000 alike); a pool by its logger name and, when the layout has it, its
// process. Lines of other loggers and traceback lines say nothing, except the
// QueuePool TimeoutError, which is recognised wherever it appears.
//
// This runs on every line of files of hundreds of megabytes, so it finds
// things with indexOf and fixed offsets rather than regexes, and reuses the
// pool name and the day of the last timestamp when they repeat.
import type { PoolEvent, PoolEventType } from '../../../core/pool-event.js'
import { OWN_LINE_NOTHING_TO_SAY, type LineParser, type LogFormat } from '../log-format.js'
import { LocalDateTimeReader } from './local-date-time.js'

const LOGGER = 'sqlalchemy.pool'
const QUEUEPOOL_LIMIT = /QueuePool limit of size (\d+) overflow (-?\d+) reached, connection timed out, timeout (\d+(?:\.\d+)?)/
const GC_LEAK = /The garbage collector is trying to clean up (?:non-checked-in )?connection (<.*?>)[,.]/
const POOL_STATUS = /Pool size: (\d+) {1,2}Connections in pool: (\d+) Current Overflow: (-?\d+) Current Checked out connections: (\d+)/
const IDS_BEFORE_LEVEL = /\b(\d{2,})\b(?:\s+(\d{2,})\b)?/
const EMPTY: readonly PoolEvent[] = []

/** What follows `Connection <repr>` in the messages about one connection. */
const CHECKED_OUT = [' checked out from pool', 'checkout'] as const
const RETURNED = [' being returned to pool', 'checkin'] as const

/** A copy that owns its characters: a slice would keep the whole line alive. */
function own(text: string): string {
  return (' ' + text).slice(1)
}

function isHex(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 97 && code <= 102) || (code >= 65 && code <= 70)
}

/** The `0x...` address in a connection's repr, or the repr itself when it has none. */
function connectionIdIn(line: string, from: number, to: number): string {
  const at = line.indexOf(' at 0x', from)
  if (at === -1 || at >= to) return line.slice(from, to)
  let end = at + 6
  while (end < to && isHex(line.charCodeAt(end))) end++
  return line.slice(at + 4, end)
}

class SqlalchemyLineParser implements LineParser {
  /** The pool the last pool line named: a TimeoutError in a traceback names none. */
  #lastPool = LOGGER
  #lastLogger = ''
  #lastProcess: number | undefined
  readonly #dateTime = new LocalDateTimeReader()
  /** The current line's %(process)d and %(thread)d: fields, so no object is made per line. */
  #process: number | undefined
  #thread: string | undefined

  parseLine(line: string, lineNumber: number): readonly PoolEvent[] | undefined {
    const loggerAt = line.indexOf(LOGGER)
    if (loggerAt === -1) return line.includes('QueuePool limit') ? this.#timeout(line, lineNumber, null, undefined) : EMPTY
    // A pool logger name is a whole token: `sqlalchemy.pool.impl.QueuePool[.logging_name]`.
    const before = loggerAt === 0 ? 32 : line.charCodeAt(loggerAt - 1)
    if (before !== 32 && before !== 58 && before !== 91 && before !== 93 && before !== 124 && before !== 9) return EMPTY
    let loggerEnd = loggerAt + LOGGER.length
    for (let code = line.charCodeAt(loggerEnd); loggerEnd < line.length && code !== 32 && code !== 58 && code !== 93 && code !== 124; code = line.charCodeAt(++loggerEnd));
    let messageStart = loggerEnd
    for (let code = line.charCodeAt(messageStart); messageStart < line.length && (code === 32 || code === 58 || code === 93 || code === 124 || code === 45); code = line.charCodeAt(++messageStart));

    const first = line.charCodeAt(messageStart)
    let type: PoolEventType | undefined
    let reprStart = -1
    let reprEnd = line.length
    let other: 'disposed' | 'recreating' | 'gc' | undefined

    if (first === 67 /* C */) {
      if (line.startsWith('Connection <', messageStart)) {
        reprStart = messageStart + 11
        // Both end in `pool`; most other `Connection <...>` messages (reset, rollback, pre-ping) do not.
        if (line.charCodeAt(line.length - 1) === 108 /* l */) {
          // `...m pool` or `...o pool`: one comparison of the whole suffix, not two.
          const [suffix, suffixType] = line.charCodeAt(line.length - 6) === 109 /* m */ ? CHECKED_OUT : RETURNED
          if (line.endsWith(suffix)) {
            type = suffixType
            reprEnd = line.length - suffix.length
          }
        }
      } else if (line.startsWith('Created new connection <', messageStart)) {
        type = 'connect'
        reprStart = messageStart + 23
      } else if (line.startsWith('Closing connection <', messageStart)) {
        type = 'close'
        reprStart = messageStart + 19
      }
    } else if (first === 72 /* H */ && line.startsWith('Hard-closing connection <', messageStart)) {
      type = 'close'
      reprStart = messageStart + 24
    } else if ((first === 73 || first === 83) /* I, S */ && (line.startsWith('Invalidate connection <', messageStart) || line.startsWith('Soft Invalidate connection <', messageStart))) {
      type = 'invalidate'
      reprStart = line.indexOf('<', messageStart)
      const reason = line.indexOf('> (reason: ', reprStart)
      if (reason !== -1) reprEnd = reason + 1
    } else if (first === 80 /* P */) {
      if (line.startsWith('Pool disposed. ', messageStart)) other = 'disposed'
      else if (line.startsWith('Pool recreating', messageStart)) other = 'recreating'
    } else if (first === 84 /* T */ && line.startsWith('The garbage collector', messageStart)) {
      other = 'gc'
    }
    const isEvent = (type !== undefined && reprStart !== -1) || other !== undefined
    if (!isEvent && !line.includes('QueuePool limit', messageStart)) return OWN_LINE_NOTHING_TO_SAY

    // Time, ids and pool only for lines that make an event: most pool lines (reset, rollback) do not.
    const atMillis = this.#timeOf(line)
    this.#readIds(line, loggerAt)
    const process = this.#process
    const thread = this.#thread
    const pool = this.#poolName(line, loggerAt, loggerEnd, process)
    if (type !== undefined && reprStart !== -1) return [this.#event(type, pool, atMillis, lineNumber, process, thread, connectionIdIn(line, reprStart, reprEnd))]
    if (other === 'disposed') {
      const status = POOL_STATUS.exec(line)
      return [status ? this.#event('dispose', pool, atMillis, lineNumber, process, thread, undefined, { poolSize: Number(status[1]), idle: Number(status[2]), active: Number(status[4]) }) : this.#event('dispose', pool, atMillis, lineNumber, process, thread, undefined)]
    }
    if (other === 'recreating') return [this.#event('dispose', pool, atMillis, lineNumber, process, thread, undefined)]
    if (other === 'gc') {
      const gc = GC_LEAK.exec(line)
      if (gc?.[1]) return [{ ...this.#event('gc-leak', pool, atMillis, lineNumber, process, thread, connectionIdIn(gc[1], 0, gc[1].length)), text: own(line.slice(messageStart, messageStart + 200)) }]
    }
    if (line.includes('QueuePool limit', messageStart)) return this.#timeout(line, lineNumber, atMillis, { pool, process, thread })
    return OWN_LINE_NOTHING_TO_SAY
  }

  /** Built in one go, optional fields set only when present: this runs for most lines of a big log. */
  #event(
    type: PoolEventType,
    pool: string,
    atMillis: number | null,
    line: number,
    process: number | undefined,
    thread: string | undefined,
    connection: string | undefined,
    extra?: Partial<PoolEvent>,
  ): PoolEvent {
    const event: { -readonly [K in keyof PoolEvent]?: PoolEvent[K] } = { type, source: 'sqlalchemy', atMillis, line, pool }
    if (connection !== undefined) event.connection = connection
    if (process !== undefined) event.process = process
    if (thread !== undefined) event.thread = thread
    return (extra ? Object.assign(event, extra) : event) as PoolEvent
  }

  /** `%(asctime)s` at the start of the line (`2024-05-01 12:00:00,123`), optionally in brackets. */
  #timeOf(line: string): number | null {
    const start = line.charCodeAt(0) === 91 /* [ */ ? 1 : 0
    if (line.length < start + 19 || line.charCodeAt(start + 4) !== 45 || line.charCodeAt(start + 7) !== 45 || line.charCodeAt(start + 13) !== 58) return null
    // asctime has no zone: it is the writer's local time, which pgleak cannot know; it reads it as UTC,
    // which keeps every duration right.
    return this.#dateTime.read(line, start, true) ? this.#dateTime.localMillis : null
  }

  /** `%(process)d` and `%(thread)d` between the time and the logger name, when the layout has them. */
  #readIds(line: string, loggerAt: number): void {
    this.#process = undefined
    this.#thread = undefined
    const headStart = line.charCodeAt(4) === 45 ? 23 : 0
    let hasDigit = false
    for (let i = headStart; i < loggerAt && !hasDigit; i++) {
      const code = line.charCodeAt(i)
      hasDigit = code >= 48 && code <= 57
    }
    if (!hasDigit) return
    const match = IDS_BEFORE_LEVEL.exec(line.slice(headStart, loggerAt))
    if (!match?.[1]) return
    this.#process = Number(match[1])
    if (match[2] !== undefined) this.#thread = own(match[2])
  }

  #poolName(line: string, loggerAt: number, loggerEnd: number, process: number | undefined): string {
    if (process !== this.#lastProcess || !this.#isLastLogger(line, loggerAt, loggerEnd)) {
      const logger = line.slice(loggerAt, loggerEnd)
      this.#lastLogger = own(logger)
      this.#lastProcess = process
      this.#lastPool = own(process !== undefined ? `${logger}[pid ${process}]` : logger)
    }
    return this.#lastPool
  }

  /** Compares only what follows `sqlalchemy.pool`, back to front: the pool class and logging name differ at the end. */
  #isLastLogger(line: string, loggerAt: number, loggerEnd: number): boolean {
    const last = this.#lastLogger
    if (loggerEnd - loggerAt !== last.length) return false
    for (let i = last.length - 1; i >= LOGGER.length; i--) if (line.charCodeAt(loggerAt + i) !== last.charCodeAt(i)) return false
    return true
  }

  #timeout(line: string, lineNumber: number, atMillis: number | null, from: { pool: string; process?: number | undefined; thread?: string | undefined } | undefined): readonly PoolEvent[] {
    const match = QUEUEPOOL_LIMIT.exec(line)
    if (!match) return EMPTY
    return [
      this.#event('pool-timeout', from?.pool ?? this.#lastPool, atMillis, lineNumber, from?.process, from?.thread, undefined, {
        poolSize: Number(match[1]),
        maxOverflow: Number(match[2]),
        timeoutSeconds: Number(match[3]),
        text: own(match[0]),
      }),
    ]
  }
}

export const sqlalchemyLog: LogFormat = {
  name: 'sqlalchemy',
  description: "SQLAlchemy's sqlalchemy.pool logger (1.3 to 2.1), with or without timestamps",
  sniff(lines) {
    const hits = lines.filter((line) => line.includes(LOGGER) || line.includes('QueuePool limit')).length
    return hits === 0 ? 0 : Math.min(1, 0.5 + hits / Math.max(4, lines.length))
  },
  create: () => new SqlalchemyLineParser(),
}
