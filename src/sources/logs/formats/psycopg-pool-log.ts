// psycopg 3's connection pool, psycopg_pool (3.1 to 3.3), as its
// `psycopg.pool` logger writes it through Python's logging, in whatever
// layout: the time, level, process, thread name in brackets and the logger
// (in brackets or not) around the message, which is found by its own words.
// Checkouts (`connection given by 'pool-1'`) and returns are logged at INFO;
// the pool's closing at DEBUG. A pool is named by its name, with the process
// when the layout has one (`orders[pid 4242]`); there is never a connection:
// the library's messages carry no connection id, so pgleak counts checkouts
// and returns per pool and cannot say which connection is out.
//
// Some messages name no pool: a connection added or discarded. They are
// given to the pool whose worker thread logged them (`orders-worker-0`),
// else to the pool the same thread last named, else to the pool whose
// connection task started first (DEBUG's `task running in ...`), else to the
// last pool named. PoolTimeout is not logged by the pool at all: its text
// (`couldn't get a connection after 2 sec`) is read wherever it appears, in
// the application's traceback, and given to the pool that has waited longest
// for a connection, at the time of the record whose traceback it ends.
import type { PoolEvent, PoolEventType } from '../../../core/pool-event.js'
import { matchExhaustion } from '../exhaustion-texts.js'
import { OWN_LINE_NOT_UNDERSTOOD, OWN_LINE_NOTHING_TO_SAY, type LineParser, type LogFormat } from '../log-format.js'
import { POOL_TIMEOUT, POOL_TIMEOUT_TEXT, poolMessageAt, type PoolMessage } from './psycopg-pool-messages.js'
import { LayoutReader, type LayoutFields } from './python-log-layout.js'

const LOGGER = 'psycopg.pool'
/** What a line of another logger gives: the reader then looks in it for other libraries' exhaustion texts. */
const OTHER_LOGGER: readonly PoolEvent[] = Object.freeze([])
/** The pool of psycopg_pool's own worker threads (`{name}-worker-{i}`), which log the connections they add. */
const WORKER_THREAD = /^(.+)-worker-\d+$/
/** Waiting requests and pending connection tasks remembered, at most: a log of failures that name no end would grow them. */
const PENDING_KEPT = 1000
const THREADS_KEPT = 4096

interface PoolRef {
  readonly key: string
  readonly process: number | undefined
  readonly thread: string | undefined
}

function keyOf(name: string, process: number | undefined): string {
  return process !== undefined ? `${name}[pid ${process}]` : name
}

function pushBounded<T>(list: T[], item: T): void {
  list.push(item)
  if (list.length > PENDING_KEPT) list.shift()
}

class PsycopgPoolLineParser implements LineParser {
  readonly #layout = new LayoutReader()
  /** The last pool a line named: for messages that name none, when nothing closer tells. */
  #lastPool: PoolRef | undefined
  /** The pool each thread last named: a connection discarded on return is logged by the thread that returned it. */
  readonly #poolByThread = new Map<string, string>()
  /** DEBUG's `task running in <worker>: <AddConnection 'pool'>`: the pool each worker is connecting for, and in what order. */
  readonly #addingByWorker = new Map<string, string>()
  readonly #pendingAdds: string[] = []
  /** Requests (`connection requested from`) not yet given a connection, oldest first: a PoolTimeout is the oldest's. */
  readonly #waiting: PoolRef[] = []
  /** The time of the last line that had one: a traceback's lines have none of their own. */
  #recordMillis: number | null = null
  /** The line being read, and the message found in it: the layout reader asks where one starts. */
  #line = ''
  #message: PoolMessage | undefined
  readonly #isMessageAt = (at: number): boolean => (this.#message = poolMessageAt(this.#line, at)) !== undefined

  parseLine(line: string, lineNumber: number): readonly PoolEvent[] | undefined {
    const loggerAt = LayoutReader.findName(line, LOGGER)
    if (loggerAt === -1) return this.#otherLine(line, lineNumber)
    this.#line = line
    const messageAt = this.#layout.read(line, loggerAt, loggerAt + LOGGER.length, this.#isMessageAt)
    const message = this.#message
    const fields = this.#layout.fields
    // The logger's name in the middle of some other text, followed by none of its messages: not its line.
    if ((messageAt === -1 || !message) && !fields.isLayout) return this.#otherLine(line, lineNumber)
    this.#recordMillis = fields.atMillis
    if (messageAt === -1 || !message) {
      return line.includes(POOL_TIMEOUT_TEXT) ? this.#timeout(line, lineNumber, fields.atMillis) : OWN_LINE_NOT_UNDERSTOOD
    }
    return this.#read(message, fields, lineNumber)
  }

  #otherLine(line: string, lineNumber: number): readonly PoolEvent[] {
    const atMillis = this.#layout.timeAtStart(line)
    if (atMillis !== null) this.#recordMillis = atMillis
    return line.includes(POOL_TIMEOUT_TEXT) ? this.#timeout(line, lineNumber, this.#recordMillis) : OTHER_LOGGER
  }

  #read(message: PoolMessage, fields: LayoutFields, lineNumber: number): readonly PoolEvent[] {
    const named = message.pool !== undefined ? this.#named(message.pool, fields) : undefined
    switch (message.kind) {
      case 'checkout': {
        const waiting = this.#waiting.findIndex((w) => w.key === named)
        if (waiting !== -1) this.#waiting.splice(waiting, 1)
        return this.#event('checkout', named!, fields, lineNumber)
      }
      case 'checkin':
        return this.#event('checkin', named!, fields, lineNumber)
      case 'requested':
        pushBounded(this.#waiting, { key: named!, process: fields.process, thread: fields.thread })
        return OWN_LINE_NOTHING_TO_SAY
      case 'connect':
        return this.#event('connect', this.#connectingPool(fields), fields, lineNumber)
      case 'close':
        return this.#event('close', named ?? this.#threadPool(fields), fields, lineNumber)
      case 'dispose':
        // Its waiting clients are failed with PoolClosed, its pending connection tasks dropped.
        this.#forgetPending(named!)
        return this.#event('dispose', named!, fields, lineNumber)
      case 'task':
        if (message.task === 'AddConnection' && named !== undefined) {
          pushBounded(this.#pendingAdds, named)
          this.#remember(this.#addingByWorker, message.workerThread!, named)
        }
        return OWN_LINE_NOTHING_TO_SAY
      case 'connect-failed': {
        this.#removePendingAdd(named!)
        // `error connecting in 'pool-1': ... sorry, too many clients already`: the server refused it.
        const exhaustion = matchExhaustion(message.error ?? '')
        if (!exhaustion) return OWN_LINE_NOTHING_TO_SAY
        return [{ ...this.#event(exhaustion.type, named!, fields, lineNumber)[0]!, text: exhaustion.text }]
      }
      case 'quiet':
        return OWN_LINE_NOTHING_TO_SAY
    }
  }

  /** The pool a message names, as a key with the line's process; remembered as the last named, and the thread's. */
  #named(name: string, fields: LayoutFields): string {
    const key = keyOf(name, fields.process)
    this.#lastPool = { key, process: fields.process, thread: fields.thread }
    if (fields.thread !== undefined) this.#remember(this.#poolByThread, fields.thread, key)
    return key
  }

  #remember(map: Map<string, string>, thread: string, key: string): void {
    if (map.size >= THREADS_KEPT && !map.has(thread)) map.clear()
    map.set(thread, key)
  }

  /** `adding new connection to the pool` names no pool: the worker's, else the first pending task's. */
  #connectingPool(fields: LayoutFields): string {
    const thread = fields.thread
    const key = thread !== undefined ? (this.#workerPool(thread, fields.process) ?? this.#addingByWorker.get(thread)) : undefined
    if (key !== undefined) {
      this.#removePendingAdd(key)
      return key
    }
    return this.#pendingAdds.shift() ?? this.#lastPool?.key ?? LOGGER
  }

  /** A connection discarded without a pool named: the worker's pool, else the pool its thread last named. */
  #threadPool(fields: LayoutFields): string {
    const thread = fields.thread
    const key = thread !== undefined ? (this.#workerPool(thread, fields.process) ?? this.#poolByThread.get(thread)) : undefined
    return key ?? this.#lastPool?.key ?? LOGGER
  }

  #workerPool(thread: string, process: number | undefined): string | undefined {
    const worker = WORKER_THREAD.exec(thread)
    return worker ? keyOf(worker[1]!, process) : undefined
  }

  #removePendingAdd(key: string): void {
    const at = this.#pendingAdds.indexOf(key)
    if (at !== -1) this.#pendingAdds.splice(at, 1)
  }

  #forgetPending(key: string): void {
    for (let at = this.#waiting.length - 1; at >= 0; at--) if (this.#waiting[at]!.key === key) this.#waiting.splice(at, 1)
    for (let at = this.#pendingAdds.length - 1; at >= 0; at--) if (this.#pendingAdds[at] === key) this.#pendingAdds.splice(at, 1)
  }

  #timeout(line: string, lineNumber: number, atMillis: number | null): readonly PoolEvent[] {
    const match = POOL_TIMEOUT.exec(line)
    if (!match) return OTHER_LOGGER
    const waiter = this.#waiting.shift() ?? this.#lastPool
    const event: { -readonly [K in keyof PoolEvent]?: PoolEvent[K] } = {
      type: 'pool-timeout',
      source: 'psycopg_pool',
      atMillis,
      line: lineNumber,
      pool: waiter?.key ?? LOGGER,
      timeoutSeconds: Number(match[1]),
      text: match[0],
    }
    if (waiter?.process !== undefined) event.process = waiter.process
    if (waiter?.thread !== undefined) event.thread = waiter.thread
    return [event as PoolEvent]
  }

  #event(type: PoolEventType, pool: string, fields: LayoutFields, lineNumber: number): readonly PoolEvent[] {
    // No PoolLogSource names psycopg_pool yet: 'application' keeps the advice generic until one does.
    const event: { -readonly [K in keyof PoolEvent]?: PoolEvent[K] } = { type, source: 'psycopg_pool', atMillis: fields.atMillis, line: lineNumber, pool }
    if (fields.process !== undefined) event.process = fields.process
    if (fields.thread !== undefined) event.thread = fields.thread
    return [event as PoolEvent]
  }
}

export const psycopgPoolLog: LogFormat = {
  name: 'psycopg-pool',
  description: "psycopg 3's psycopg_pool (logger psycopg.pool), 3.1 to 3.3",
  sniff(lines) {
    const layout = new LayoutReader()
    let hits = 0
    for (const line of lines) {
      const at = LayoutReader.findName(line, LOGGER)
      if (at !== -1 && layout.read(line, at, at + LOGGER.length, (messageAt) => poolMessageAt(line, messageAt) !== undefined) !== -1) hits++
    }
    return hits === 0 ? 0 : Math.min(1, 0.5 + hits / Math.max(4, lines.length))
  },
  create: () => new PsycopgPoolLineParser(),
}
