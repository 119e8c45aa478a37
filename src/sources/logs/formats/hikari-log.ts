// HikariCP (2.7 through 6.x) as an application logs it through SLF4J: its
// leak detector's warning (with the borrower's stack trace on the lines
// that follow) and the "unleaked" notice, pool stats at DEBUG, acquisition
// timeouts, and connections added and closed. The layout around the message
// is the application's (Spring Boot's logback pattern, `logger - message`,
// slf4j-simple...), so messages are found wherever they sit in the line, and
// every other line of the application's log is simply passed over.
import type { PoolEvent } from '../../../core/pool-event.js'
import type { LineParser, LogFormat } from '../log-format.js'
import { LineTimeReader } from './java-log-time.js'

const EMPTY: readonly PoolEvent[] = []

/** A stack is evidence, not a dump: deeper frames add nothing to "who borrowed it". */
const MAX_FRAMES = 50

const LEAK = 'Connection leak detection triggered for '
const UNLEAKED = 'Previously reported leaked connection '
const STATS = 'stats (total='
const TIMEOUT = 'Connection is not available, request timed out after '
const ADDED = 'Added connection '
const CLOSING = 'Closing connection '

const LEAK_TAIL = /^(.+?) on thread (.*), stack trace follows/
const UNLEAKED_TAIL = /^(.+?) on thread (.*) was returned to the pool \(unleaked\)/
/** The leak task runs on the pool's housekeeper thread: `[HikariPool-1 housekeeper]` (unless the layout cut it short). */
const HOUSEKEEPER = /\[([^\s\]]+) housekeeper\]/
const FRAME = /^\s+at (.+?)(?:\s+~?\[[^\]]*\])?\s*$/
const MORE_FRAMES = /^\s+\.\.\. \d+ (?:more|common frames omitted)/

/**
 * Reads `name=N` (or `name=N/M`) fields in order from a message, as in
 * `(total=3/10, idle=0/1, active=3, waiting=2)`; -1 for what is not there.
 */
class FieldReader {
  #at: number

  constructor(
    readonly line: string,
    at: number,
  ) {
    this.#at = at
  }

  number(): number {
    let value = 0
    const start = this.#at
    for (; ; this.#at++) {
      const digit = this.line.charCodeAt(this.#at) - 48
      if (!(digit >= 0 && digit <= 9)) break
      value = value * 10 + digit
    }
    return this.#at > start ? value : -1
  }

  /** Skips `text` if it comes next. */
  skip(text: string): boolean {
    if (!this.line.startsWith(text, this.#at)) return false
    this.#at += text.length
    return true
  }

  field(name: string): number {
    return this.skip(name) ? this.number() : -1
  }

  get position(): number {
    return this.#at
  }
}

/**
 * The pool named in `<pool> - <message>`, where the message starts at
 * `messageAt`; HikariCP starts nearly all its messages so.
 */
function poolBefore(line: string, messageAt: number): string | undefined {
  if (!line.startsWith(' - ', messageAt - 3)) return undefined
  const end = messageAt - 3
  const start = line.lastIndexOf(' ', end - 1) + 1
  return end > start ? line.slice(start, end) : undefined
}

/** Spring Boot's `LEVEL PID --- ` after the time: the process. */
function springProcess(line: string): number | undefined {
  const dashes = line.indexOf(' --- ')
  if (dashes === -1 || dashes > 64) return undefined
  let start = dashes
  while (start > 0 && line.charCodeAt(start - 1) >= 48 && line.charCodeAt(start - 1) <= 57) start--
  return start < dashes && line.charCodeAt(start - 1) === 32 ? Number(line.slice(start, dashes)) : undefined
}

function detached(value: string): string {
  return (' ' + value).slice(1)
}

interface PendingLeak {
  readonly event: PoolEvent
  readonly frames: string[]
}

class HikariLogParser implements LineParser {
  readonly #time = new LineTimeReader()
  /** A leak warning whose stack trace is still arriving. */
  #pending: PendingLeak | undefined
  /** The pool named most recently: the leak lines do not name theirs. */
  #lastPool: string | undefined
  /**
   * The last line that starts like a log record (with a digit, as dated
   * layouts do). An exception's message line (`java.sql.SQLTransient...`)
   * has no time of its own: it takes its record's.
   */
  #lastRecord: string | undefined

  parseLine(line: string, lineNumber: number): readonly PoolEvent[] | undefined {
    const first = line.charCodeAt(0)
    if (first >= 48 && first <= 57) this.#lastRecord = line
    if (this.#pending) {
      if (this.#continuesTrace(line, this.#pending)) return EMPTY
      const held = this.#release()
      const events = this.#parse(line, lineNumber)
      return events.length === 0 ? [held] : [held, ...events]
    }
    return this.#parse(line, lineNumber)
  }

  finish(): readonly PoolEvent[] {
    return this.#pending ? [this.#release()] : EMPTY
  }

  #continuesTrace(line: string, pending: PendingLeak): boolean {
    const first = line.charCodeAt(0)
    if (first === 9 /* tab */ || first === 32 /* space */) {
      const frame = FRAME.exec(line)
      if (frame) {
        if (pending.frames.length < MAX_FRAMES && frame[1]) pending.frames.push(frame[1])
        return true
      }
      return MORE_FRAMES.test(line)
    }
    // The exception the detector created, printed before its frames.
    return pending.frames.length === 0 && line.endsWith('Apparent connection leak detected')
  }

  #release(): PoolEvent {
    const { event, frames } = this.#pending!
    this.#pending = undefined
    return frames.length > 0 ? { ...event, stack: frames } : event
  }

  #parse(line: string, lineNumber: number): readonly PoolEvent[] {
    let at = line.indexOf(STATS)
    if (at !== -1) return this.#stats(line, lineNumber, at)
    if (!line.includes('onnection')) return EMPTY
    if ((at = line.indexOf(LEAK)) !== -1) {
      const match = LEAK_TAIL.exec(line.slice(at + LEAK.length))
      if (!match) return EMPTY
      const pool = this.#leakPool(HOUSEKEEPER.exec(line)?.[1])
      const event = this.#event('leak-warning', line, lineNumber, pool, { connection: match[1], thread: match[2], text: line.slice(at, at + LEAK.length) + match[0] })
      this.#pending = { event, frames: [] }
      return EMPTY
    }
    if ((at = line.indexOf(UNLEAKED)) !== -1) {
      const match = UNLEAKED_TAIL.exec(line.slice(at + UNLEAKED.length))
      if (!match) return EMPTY
      return [this.#event('unleaked', line, lineNumber, this.#lastPool ?? 'HikariPool', { connection: match[1], thread: match[2], text: line.slice(at, at + UNLEAKED.length) + match[0] })]
    }
    if ((at = line.indexOf(TIMEOUT)) !== -1) return this.#timeout(line, lineNumber, at)
    if ((at = line.indexOf(ADDED)) !== -1) {
      const pool = poolBefore(line, at)
      if (pool === undefined) return EMPTY
      const start = at + ADDED.length
      const end = line.indexOf(' ', start)
      return [this.#event('connect', line, lineNumber, this.#poolNamed(pool), { connection: line.slice(start, end === -1 ? undefined : end) })]
    }
    if ((at = line.indexOf(CLOSING)) !== -1) {
      // `Closing connection {}: {reason}`; `Closing connection {} failed` closed nothing.
      const pool = poolBefore(line, at)
      const start = at + CLOSING.length
      const colon = line.indexOf(': ', start)
      if (pool === undefined || colon === -1) return EMPTY
      return [this.#event('close', line, lineNumber, this.#poolNamed(pool), { connection: line.slice(start, colon), text: line.slice(colon + 2).trimEnd() })]
    }
    return EMPTY
  }

  /**
   * `<pool> - <prefix>stats (...)`. To 5.1: `total=4, active=1, idle=3,
   * waiting=0`; 6.x: `total=4/10, idle=3/2, active=1, waiting=0`, with
   * maximumPoolSize and minimumIdle after the slashes.
   */
  #stats(line: string, lineNumber: number, at: number): readonly PoolEvent[] {
    const dash = line.lastIndexOf(' - ', at)
    const pool = dash === -1 ? undefined : poolBefore(line, dash + 3)
    if (pool === undefined) return EMPTY
    const fields = new FieldReader(line, at + STATS.length)
    const total = fields.number()
    if (fields.skip('/')) {
      const poolSize = fields.number()
      const idle = fields.field(', idle=')
      if (fields.skip('/')) fields.number()
      const active = fields.field(', active=')
      const waiting = fields.field(', waiting=')
      if (Math.min(total, poolSize, idle, active, waiting) < 0) return EMPTY
      return [this.#event('stats', line, lineNumber, this.#poolNamed(pool), { total, poolSize, active, idle, waiting })]
    }
    const active = fields.field(', active=')
    const idle = fields.field(', idle=')
    const waiting = fields.field(', waiting=')
    if (Math.min(total, active, idle, waiting) < 0) return EMPTY
    return [this.#event('stats', line, lineNumber, this.#poolNamed(pool), { total, active, idle, waiting })]
  }

  /** Before 5.1 the message ends `ms.`; from 5.1 the pool's counters follow: `ms (total=3, active=3, idle=0, waiting=1)`. */
  #timeout(line: string, lineNumber: number, at: number): readonly PoolEvent[] {
    const pool = poolBefore(line, at)
    const fields = new FieldReader(line, at + TIMEOUT.length)
    const millis = fields.number()
    if (pool === undefined || millis < 0 || !fields.skip('ms')) return EMPTY
    let end = fields.position
    let counters: Partial<PoolEvent> = {}
    if (fields.skip(' (')) {
      const total = fields.field('total=')
      const active = fields.field(', active=')
      const idle = fields.field(', idle=')
      const waiting = fields.field(', waiting=')
      if (Math.min(total, active, idle, waiting) >= 0 && fields.skip(')')) {
        counters = { total, active, idle, waiting }
        end = fields.position
      }
    } else if (fields.skip('.')) end = fields.position
    const text = `${pool} - ${line.slice(at, end)}`
    return [this.#event('pool-timeout', line, lineNumber, this.#poolNamed(pool), { timeoutSeconds: millis / 1000, ...counters, text })]
  }

  /**
   * The pool of a leak warning: its housekeeper thread's name when the
   * layout printed it whole. Spring Boot's cuts thread names to their last
   * 15 characters (`l-1 housekeeper`), so a name the last pool ends with is
   * taken to be that pool.
   */
  #leakPool(housekeeper: string | undefined): string {
    if (housekeeper === undefined) return this.#lastPool ?? 'HikariPool'
    if (this.#lastPool?.endsWith(housekeeper)) return this.#lastPool
    return this.#poolNamed(housekeeper)
  }

  /** Remembers the pool a message named, for the leak lines that follow without one. */
  #poolNamed(pool: string): string {
    if (pool !== this.#lastPool) this.#lastPool = detached(pool)
    return this.#lastPool
  }

  #event(type: PoolEvent['type'], line: string, lineNumber: number, pool: string, fields: Partial<PoolEvent>): PoolEvent {
    const record = this.#lastRecord ?? line
    const process = springProcess(line) ?? springProcess(record)
    return {
      type,
      source: 'hikaricp',
      atMillis: this.#time.read(line) ?? this.#time.read(record),
      line: lineNumber,
      pool,
      ...(process !== undefined && { process }),
      ...fields,
    }
  }
}

const HIKARI_MARKS = /com\.zaxxer\.hikari|c\.z\.h\.|\bHikariPool-\d+ - |\bHikariDataSource\b|Connection leak detection triggered for /

export const hikariLog: LogFormat = {
  name: 'hikaricp',
  description: 'an application log with HikariCP lines: leak detection (leakDetectionThreshold), pool stats (DEBUG), acquisition timeouts',
  sniff(firstLines) {
    const marked = firstLines.filter((line) => HIKARI_MARKS.test(line)).length
    if (marked === 0) return 0
    // Applications log much else besides; a few HikariCP lines are enough.
    return Math.min(0.85, 0.6 + marked * 0.05)
  },
  create: () => new HikariLogParser(),
  readsExhaustionTexts: true,
}
