// SQLAlchemy's `sqlalchemy.pool` logger, 1.3 to 2.1, in whatever layout
// people configure: the time, level, logger (in brackets or not), process and
// thread ids or names, module, line number and any text of their own, in any
// order around the logger name, the message last. The message is found by
// its own words, wherever the layout put it; a line of the pool's logger
// whose message is none of SQLAlchemy's is reported as not understood, never
// read as nothing. A connection is named by the
// address in its repr (`<connection object at 0x7f...; dsn: ...>` for
// psycopg2, `<psycopg.Connection [IDLE] (...) at 0x7f...>`, asyncpg and
// pg8000 alike); a pool by its logger name and, when the layout has it, its
// process. Lines of other loggers and traceback lines say nothing, except the
// QueuePool TimeoutError, which is recognised wherever it appears.
//
// This runs on every line of files of hundreds of megabytes, so it reads the
// line's bytes at fixed offsets rather than decoding it, decodes only what an
// event keeps (the connection's address, the pool's name when it changes),
// and leaves the rare messages (dispose, garbage collector, timeout) to
// regexes on the decoded line. A line given as text is read as its bytes.
import type { PoolEvent, PoolEventType } from '../../../core/pool-event.js'
import { asciiOf, bytesAt, indexOfBytes, NeedleSearch, textOf } from '../line-bytes.js'
import { OWN_LINE_NOT_UNDERSTOOD, OWN_LINE_NOTHING_TO_SAY, type LineParser, type LogFormat } from '../log-format.js'
import { LocalDateTimeReader } from './local-date-time.js'

const LOGGER = 'sqlalchemy.pool'
const LOGGER_BYTES = Buffer.from(LOGGER)
const QUEUEPOOL_LIMIT_TEXT = 'QueuePool limit'
const QUEUEPOOL_LIMIT = /QueuePool limit of size (\d+) overflow (-?\d+) reached, connection timed out, timeout (\d+(?:\.\d+)?)/
const GC_LEAK = /The garbage collector is trying to clean up (?:non-checked-in )?connection (<.*?>)[,.]/
const POOL_STATUS = /Pool size: (\d+) {1,2}Connections in pool: (\d+) Current Overflow: (-?\d+) Current Checked out connections: (\d+)/
const SYSLOG_TIME = /^([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2})$/
const SYSLOG_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const THIS_YEAR = new Date().getUTCFullYear()
/** A pid has at most 7 digits (Linux's pid_max is 2^22); `%(thread)d` is an address, far longer. */
const MAX_PID_DIGITS = 7
const PID_LABEL = /(?:pid|process)[=:]$/i
const EMPTY: readonly PoolEvent[] = []
/** Connection addresses remembered, at most (then forgotten all at once: a long log reuses few). */
const ADDRESSES_KEPT = 4096

const CONNECTION = Buffer.from('Connection <')
const CREATED = Buffer.from('Created new connection <')
const CLOSING = Buffer.from('Closing connection <')
const HARD_CLOSING = Buffer.from('Hard-closing connection <')
const INVALIDATE = Buffer.from('Invalidate connection <')
const SOFT_INVALIDATE = Buffer.from('Soft Invalidate connection <')
const INVALIDATE_REASON = Buffer.from('> (reason: ')
const POOL_DISPOSED = Buffer.from('Pool disposed. ')
const POOL_RECREATING = Buffer.from('Pool recreating')
const GARBAGE_COLLECTOR = Buffer.from('The garbage collector')
/** Pool messages that say nothing pgleak uses (pre-ping, reset, errors closing): known, so not "not understood". */
const QUIET_MESSAGES = [
  'Pool pre-ping',
  'Disconnection detected',
  'Double checkin',
  'Error ',
  'Exception ',
  'Reconnection attempts',
].map((text) => Buffer.from(text))
const AT_ADDRESS = Buffer.from(' at 0x')
/** What follows `Connection <repr>` in the messages pgleak has nothing to take from: reset on return, recycling, pre-ping. */
const CONNECTION_QUIET_ENDINGS = [' rollback-on-return', ' reset, transaction already reset', ' commit-on-return'].map((text) => Buffer.from(text))
const CONNECTION_QUIET_WORDS = ['rollback-on-return', 'exceeded timeout', 'invalidated due to', 'is fresh', 'reset', 'commit-on-return'].map((text) => Buffer.from(text))
/** What follows `Connection <repr>` in the messages about one connection. */
const CHECKED_OUT = [Buffer.from(' checked out from pool'), 'checkout'] as const
const RETURNED = [Buffer.from(' being returned to pool'), 'checkin'] as const

/** A copy that owns its characters: a slice would keep the whole line alive. */
function own(text: string): string {
  return (' ' + text).slice(1)
}

function isHex(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 97 && code <= 102) || (code >= 65 && code <= 70)
}

/** Ends the logger name: space, `:`, `]`, `|`. */
function endsLogger(code: number | undefined): boolean {
  return code === 32 || code === 58 || code === 93 || code === 124
}

function hasUpperHex(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i]! >= 65 && bytes[i]! <= 70) return true
  return false
}

/** The same, on a decoded repr (the garbage collector's message, read by regex). */
function connectionIdInText(repr: string): string {
  const at = repr.indexOf(' at 0x')
  if (at === -1) return repr
  let end = at + 6
  while (end < repr.length && isHex(repr.charCodeAt(end))) end++
  return repr.slice(at + 4, end)
}

/** Which of SQLAlchemy's pool messages starts at a place in a line, if any. */
const enum Message {
  None,
  Connection,
  Created,
  Closing,
  HardClosing,
  Invalidate,
  Disposed,
  GarbageCollector,
  Quiet,
}

function messageAt(bytes: Buffer, at: number, end: number): Message {
  switch (bytes[at]) {
    case 67 /* C */:
      if (bytesAt(bytes, at, end, CONNECTION)) return Message.Connection
      if (bytesAt(bytes, at, end, CREATED)) return Message.Created
      if (bytesAt(bytes, at, end, CLOSING)) return Message.Closing
      return Message.None
    case 72 /* H */:
      return bytesAt(bytes, at, end, HARD_CLOSING) ? Message.HardClosing : Message.None
    case 73 /* I */:
    case 83 /* S */:
      return bytesAt(bytes, at, end, INVALIDATE) || bytesAt(bytes, at, end, SOFT_INVALIDATE) ? Message.Invalidate : Message.None
    case 80 /* P */:
      if (bytesAt(bytes, at, end, POOL_DISPOSED)) return Message.Disposed
      // "Pool recreating" follows "Pool disposed" in engine.dispose(): the one dispose is counted once.
      return bytesAt(bytes, at, end, POOL_RECREATING) || bytesAt(bytes, at, end, QUIET_MESSAGES[0]!) ? Message.Quiet : Message.None
    case 84 /* T */:
      return bytesAt(bytes, at, end, GARBAGE_COLLECTOR) ? Message.GarbageCollector : Message.None
    case 68 /* D */:
    case 69 /* E */:
    case 82 /* R */:
      return QUIET_MESSAGES.some((quiet) => bytesAt(bytes, at, end, quiet)) ? Message.Quiet : Message.None
    default:
      return Message.None
  }
}

/** `Connection <repr> rollback-on-return` and the other messages about a connection that make no event. */
function isQuietConnectionMessage(bytes: Buffer, from: number, end: number): boolean {
  if (CONNECTION_QUIET_ENDINGS.some((ending) => bytesAt(bytes, end - ending.length, end, ending))) return true
  return CONNECTION_QUIET_WORDS.some((words) => indexOfBytes(bytes, words, from, end, end) !== -1)
}

/** Ends a field of a layout: what may come right before a message or a number of its own. */
function endsField(code: number | undefined): boolean {
  return code === 32 || code === 93 || code === 58 || code === 124 || code === 45 || code === 9 || code === 41 || code === 62
}

/** Starts a number that is a field of its own (`[1234]`, ` 1234 `, `(1234)`), not part of a word or `file.py:123`. */
function startsNumberField(code: number | undefined): boolean {
  return code === undefined || code === 32 || code === 91 || code === 40 || code === 124 || code === 9 || code === 47
}

function isDigit(code: number | undefined): boolean {
  return code !== undefined && code >= 48 && code <= 57
}

class SqlalchemyLineParser implements LineParser {
  /** The pool the last pool line named: a TimeoutError in a traceback names none. */
  #lastPool = LOGGER
  /** The last logger name's bytes and where in its line it was, to see it repeat without searching or decoding. */
  #lastLogger: Buffer = Buffer.alloc(0)
  #lastLoggerOffset = 0
  /** Where in the last repr its address was. */
  #addressOffset = 0
  /** Connection addresses by their digits: a pool hands out the same few connections. */
  readonly #addresses = new Map<number, string>()
  #lastProcess: number | undefined
  readonly #dateTime = new LocalDateTimeReader()
  readonly #queuePoolLimit = new NeedleSearch(QUEUEPOOL_LIMIT_TEXT)
  /** The current line's %(process)d and %(thread)d: fields, so no object is made per line. */
  #process: number | undefined
  #thread: string | undefined
  /** Where the last line's time was, from the line's start: a layout keeps it in one place. */
  #timeOffset = 0
  /** Where the current line's time starts and ends, when it has one. */
  #timeAt = -1
  #timeEnd = -1

  parseLine(line: string, lineNumber: number): readonly PoolEvent[] | undefined {
    const bytes = Buffer.from(line)
    return this.parseBytes(bytes, 0, bytes.length, lineNumber)
  }

  parseBytes(bytes: Buffer, start: number, end: number, lineNumber: number): readonly PoolEvent[] | undefined {
    // A log's pool lines share their layout: the last pool line's logger, where it was, is tried first.
    const last = this.#lastLogger
    let loggerAt = start + this.#lastLoggerOffset
    let loggerEnd = loggerAt + last.length
    const isLastLogger = last.length > 0 && bytesAt(bytes, loggerAt, end, last) && (loggerEnd === end || endsLogger(bytes[loggerEnd]))
    if (!isLastLogger) {
      loggerAt = indexOfBytes(bytes, LOGGER_BYTES, start, end, end)
      if (loggerAt === -1) return this.#queuePoolLimit.next(bytes, start) < end ? this.#timeout(textOf(bytes, start, end), lineNumber, null, undefined) : EMPTY
      loggerEnd = loggerAt + LOGGER.length
      while (loggerEnd < end && !endsLogger(bytes[loggerEnd])) loggerEnd++
    }
    // A pool logger name is a whole token: `sqlalchemy.pool.impl.QueuePool[.logging_name]`.
    const before = loggerAt === start ? 32 : bytes[loggerAt - 1]
    if (before !== 32 && before !== 58 && before !== 91 && before !== 93 && before !== 124 && before !== 9) return EMPTY
    let messageStart = loggerEnd
    for (let code = bytes[messageStart]; messageStart < end && (endsLogger(code) || code === 45); code = bytes[++messageStart]);
    let message = messageStart < end ? messageAt(bytes, messageStart, end) : Message.None
    // Fields after the logger name (`[%(threadName)s]`, `%(process)d`, `%(module)s:%(lineno)d`): the
    // message is the first of SQLAlchemy's that starts a field.
    for (let at = messageStart + 1; message === Message.None && at < end; at++) {
      if (endsField(bytes[at - 1]) && (message = messageAt(bytes, at, end)) !== Message.None) messageStart = at
    }
    const hasLimitText = this.#queuePoolLimit.next(bytes, loggerEnd) < end
    if (message === Message.None) return hasLimitText ? this.#timeout(textOf(bytes, start, end), lineNumber, this.#timeOf(bytes, start, loggerAt), undefined) : OWN_LINE_NOT_UNDERSTOOD

    let type: PoolEventType | undefined
    let reprStart = -1
    let reprEnd = end
    switch (message) {
      case Message.Connection: {
        reprStart = messageStart + 11
        // Both end in `pool`, `...m pool` or `...o pool`; most other `Connection <...>` messages
        // (reset, rollback, pre-ping) do not. A layout with fields after the message is searched.
        const [suffix, suffixType] = bytes[end - 6] === 109 /* m */ ? CHECKED_OUT : RETURNED
        if (bytes[end - 1] === 108 /* l */ && bytesAt(bytes, end - suffix.length, end, suffix)) {
          type = suffixType
          reprEnd = end - suffix.length
        } else {
          for (const [other, otherType] of [CHECKED_OUT, RETURNED]) {
            const at = indexOfBytes(bytes, other, reprStart, end, end)
            if (at !== -1) {
              type = otherType
              reprEnd = at
              break
            }
          }
          // Neither a checkout nor a return: one of the known others, or a wording this version does not know.
          if (type === undefined && !isQuietConnectionMessage(bytes, reprStart, end)) return OWN_LINE_NOT_UNDERSTOOD
        }
        break
      }
      case Message.Created:
        type = 'connect'
        reprStart = messageStart + 23
        break
      case Message.Closing:
        type = 'close'
        reprStart = messageStart + 19
        break
      case Message.HardClosing:
        type = 'close'
        reprStart = messageStart + 24
        break
      case Message.Invalidate: {
        type = 'invalidate'
        reprStart = bytes.indexOf(60 /* < */, messageStart)
        const reason = indexOfBytes(bytes, INVALIDATE_REASON, reprStart, end, end)
        if (reason !== -1) reprEnd = reason + 1
        break
      }
    }
    const other = message === Message.Disposed ? 'disposed' : message === Message.GarbageCollector ? 'gc' : undefined
    const isEvent = (type !== undefined && reprStart !== -1) || other !== undefined
    if (!isEvent && !hasLimitText) return OWN_LINE_NOTHING_TO_SAY

    // Time, ids and pool only for lines that make an event: most pool lines (reset, rollback) do not.
    const atMillis = this.#timeOf(bytes, start, loggerAt)
    // The ids, when the layout has them, sit around the logger name, outside the time and the message.
    this.#readIds(bytes, start, loggerAt, loggerEnd, messageStart)
    const process = this.#process
    const thread = this.#thread
    const pool = this.#poolName(bytes, start, loggerAt, loggerEnd, process, isLastLogger)
    if (type !== undefined && reprStart !== -1) return [this.#event(type, pool, atMillis, lineNumber, process, thread, this.#connectionId(bytes, reprStart, reprEnd, end))]
    // The rare messages are read from the decoded line.
    const line = textOf(bytes, start, end)
    if (other === 'disposed') {
      const status = POOL_STATUS.exec(line)
      return [status ? this.#event('dispose', pool, atMillis, lineNumber, process, thread, undefined, { poolSize: Number(status[1]), idle: Number(status[2]), active: Number(status[4]) }) : this.#event('dispose', pool, atMillis, lineNumber, process, thread, undefined)]
    }
    if (other === 'gc') {
      const gc = GC_LEAK.exec(line)
      const message = line.slice(line.length - textOf(bytes, messageStart, end).length)
      if (gc?.[1]) return [{ ...this.#event('gc-leak', pool, atMillis, lineNumber, process, thread, connectionIdInText(gc[1])), text: own(message.slice(0, 200)) }]
    }
    if (hasLimitText) return this.#timeout(line, lineNumber, atMillis, { pool, process, thread })
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

  /**
   * `%(asctime)s` (`2024-05-01 12:00:00,123`) in the fields before the logger: at the start, in
   * brackets, or after a level or any text; found once and then looked for at the same place.
   */
  #timeOf(bytes: Buffer, start: number, headEnd: number): number | null {
    this.#timeAt = -1
    let at = start + this.#timeOffset
    if (!this.#isDateAt(bytes, at, headEnd)) {
      at = start
      while (at < headEnd && !this.#isDateAt(bytes, at, headEnd)) at++
      if (at >= headEnd) return this.#syslogTimeOf(bytes, start, headEnd)
      this.#timeOffset = at - start
    }
    // asctime has no zone: it is the writer's local time, which pgleak cannot know; it reads it as UTC,
    // which keeps every duration right.
    if (!this.#dateTime.readBytes(bytes, at, headEnd, true)) return null
    this.#timeAt = at
    this.#timeEnd = this.#dateTime.end
    return this.#dateTime.localMillis
  }

  /**
   * Syslog's and journald's `Nov 29 22:21:20` at the start of the line: no year, so this year's (a log
   * read across New Year is off by one year, which no duration within it notices).
   */
  #syslogTimeOf(bytes: Buffer, start: number, headEnd: number): number | null {
    const match = headEnd - start >= 15 && bytes[start + 3] === 32 && bytes[start + 9] === 58 ? SYSLOG_TIME.exec(asciiOf(bytes, start, start + 15)) : null
    if (!match) return null
    const month = SYSLOG_MONTHS.indexOf(match[1]!)
    if (month === -1) return null
    this.#timeAt = start
    this.#timeEnd = start + 15
    return Date.UTC(THIS_YEAR, month, Number(match[2]), Number(match[3]), Number(match[4]), Number(match[5]))
  }

  #isDateAt(bytes: Buffer, at: number, end: number): boolean {
    return end >= at + 19 && bytes[at + 4] === 45 && bytes[at + 7] === 45 && bytes[at + 13] === 58 && isDigit(bytes[at]) && isDigit(bytes[at + 3]) && (at === 0 || !isDigit(bytes[at - 1]))
  }

  /**
   * `%(process)d` and `%(thread)d` or `%(threadName)s`, wherever the layout put them around the logger:
   * a number that is a field of its own is the process when it has at most 7 digits (Linux's pid_max is
   * 2^22) and the thread when longer; `file.py:123`, `req=42` and the time's digits are not ids.
   */
  #readIds(bytes: Buffer, start: number, loggerAt: number, loggerEnd: number, messageAt: number): void {
    this.#process = undefined
    this.#thread = undefined
    if (this.#timeAt === -1) this.#readIdsIn(bytes, start, loggerAt)
    else {
      this.#readIdsIn(bytes, start, this.#timeAt)
      this.#readIdsIn(bytes, this.#timeEnd, loggerAt)
    }
    this.#readIdsIn(bytes, loggerEnd, messageAt)
  }

  #readIdsIn(bytes: Buffer, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const code = bytes[i]!
      if (code === 84 /* T */ || code === 116 /* t */) {
        if (this.#thread === undefined && asciiOf(bytes, i, Math.min(i + 6, to)).toLowerCase() === 'thread') this.#thread = this.#threadNameAround(bytes, from, i, to)
        continue
      }
      if (!isDigit(code) || isDigit(bytes[i - 1]) || (i > from && !startsNumberField(bytes[i - 1]) && !PID_LABEL.test(asciiOf(bytes, Math.max(from, i - 8), i)))) continue
      let digitsEnd = i
      while (digitsEnd < to && isDigit(bytes[digitsEnd])) digitsEnd++
      if (digitsEnd < to && !endsField(bytes[digitsEnd]) && bytes[digitsEnd] !== 44 /* , */) {
        i = digitsEnd
        continue
      }
      const digits = digitsEnd - i
      if (digits <= MAX_PID_DIGITS) this.#process ??= Number(asciiOf(bytes, i, digitsEnd))
      else this.#thread ??= asciiOf(bytes, i, digitsEnd)
      i = digitsEnd
    }
  }

  /** The thread name a `Thread` in the fields is part of: the whole bracket it is in, or its word. */
  #threadNameAround(bytes: Buffer, from: number, at: number, to: number): string {
    let open = at
    while (open > from && bytes[open - 1] !== 91 /* [ */ && bytes[open - 1] !== 32) open--
    if (bytes[open - 1] === 91) {
      const close = bytes.indexOf(93 /* ] */, at)
      if (close !== -1 && close < to) return textOf(bytes, open, close)
    }
    let close = at
    while (close < to && bytes[close] !== 32 && bytes[close] !== 93) close++
    return textOf(bytes, open, close)
  }

  #poolName(bytes: Buffer, start: number, loggerAt: number, loggerEnd: number, process: number | undefined, isLastLogger: boolean): string {
    if (process !== this.#lastProcess || !isLastLogger) {
      const logger = textOf(bytes, loggerAt, loggerEnd)
      this.#lastLogger = Buffer.from(bytes.subarray(loggerAt, loggerEnd))
      this.#lastLoggerOffset = loggerAt - start
      this.#lastProcess = process
      this.#lastPool = process !== undefined ? `${logger}[pid ${process}]` : logger
    }
    return this.#lastPool
  }

  /**
   * The `0x...` address in a connection's repr (`bytes[from..to)`, in a line ending at `end`), or the
   * repr itself when it has none. A driver's reprs put the address at the same place, so the last
   * place is tried first; and a pool hands out the same few connections, so their addresses are
   * kept rather than decoded again for every checkout.
   */
  #connectionId(bytes: Buffer, from: number, to: number, end: number): string {
    let at = from + this.#addressOffset
    if (!(at < to && bytesAt(bytes, at, end, AT_ADDRESS))) {
      at = indexOfBytes(bytes, AT_ADDRESS, from, to, end)
      if (at === -1) return textOf(bytes, from, to)
      this.#addressOffset = at - from
    }
    // The hex digits' value and count name the address; lower case only, as Python writes it.
    let key = 0
    let addressEnd = at + 6
    for (let code = bytes[addressEnd]!; addressEnd < to && isHex(code); code = bytes[++addressEnd]!) key = key * 16 + (code <= 57 ? code - 48 : code - 87)
    const digits = addressEnd - at - 6
    if (digits > 12 || hasUpperHex(bytes, at + 6, addressEnd)) return asciiOf(bytes, at + 4, addressEnd)
    key = key * 16 + digits
    let address = this.#addresses.get(key)
    if (address === undefined) {
      if (this.#addresses.size >= ADDRESSES_KEPT) this.#addresses.clear()
      address = asciiOf(bytes, at + 4, addressEnd)
      this.#addresses.set(key, address)
    }
    return address
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
    const hits = lines.filter((line) => line.includes(LOGGER) || line.includes(QUEUEPOOL_LIMIT_TEXT)).length
    return hits === 0 ? 0 : Math.min(1, 0.5 + hits / Math.max(4, lines.length))
  },
  create: () => new SqlalchemyLineParser(),
}
