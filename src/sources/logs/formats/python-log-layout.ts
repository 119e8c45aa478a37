// Where the fields of a Python logging layout sit around a logger name: the
// time (`%(asctime)s`, in brackets or not, anywhere before the logger), the
// level, process and thread ids, a thread name in brackets, before or after
// the logger; and where the message starts after them. Layouts put these in
// any order, so they are read as tokens rather than at fixed places, and the
// message is found by the caller's own test of where one could start.
import { LocalDateTimeReader } from './local-date-time.js'

const LEVELS = new Set(['DEBUG', 'INFO', 'WARNING', 'WARN', 'ERROR', 'CRITICAL', 'FATAL', 'NOTSET'])
/** A pid has at most 7 digits (Linux's pid_max is 2^22); `%(thread)d` is an address, far longer. */
const MAX_PID_DIGITS = 7
const LABELLED_PID = /^(?:pid|process)[=:](\d+)$/i
/** `%(module)s:%(lineno)d`, `%(filename)s:%(lineno)d`, `%(funcName)s:%(lineno)d`: not a thread. */
const SOURCE_PLACE = /^[\w.<>]+:\d+$/
const ZONE = /^(?:[+-]\d{2}:?\d{2}|Z|UTC)$/
/** Layout fields read between the logger and the message before giving up on finding one. */
const MAX_FIELDS_AFTER_LOGGER = 4

export interface LayoutFields {
  /** Epoch milliseconds of the time the line carries, read as UTC (asctime has no zone), or null. */
  atMillis: number | null
  process: number | undefined
  /** The thread name in brackets (`[%(threadName)s]`), else `%(thread)d`. */
  thread: string | undefined
  /** Whether everything before the logger was a layout field: a logger name in the middle of some text is not this logger's line. */
  isLayout: boolean
}

function isSeparator(code: number): boolean {
  return code === 32 || code === 9 || code === 58 /* : */ || code === 124 /* | */ || code === 93 /* ] */
}

/** Whether `at` starts a token (a word after a space, bracket, colon or bar, or the line's start). */
function startsToken(line: string, at: number): boolean {
  return at === 0 || isSeparator(line.charCodeAt(at - 1)) || line.charCodeAt(at - 1) === 91 /* [ */
}

export class LayoutReader {
  readonly #dateTime = new LocalDateTimeReader()
  readonly fields: LayoutFields = { atMillis: null, process: undefined, thread: undefined, isLayout: true }
  #threadId: string | undefined
  #threadName: string | undefined

  /** The first token-bounded place of `name` in the line, or -1. */
  static findName(line: string, name: string): number {
    for (let at = line.indexOf(name); at !== -1; at = line.indexOf(name, at + 1)) {
      const after = at + name.length
      if (startsToken(line, at) && (after === line.length || isSeparator(line.charCodeAt(after)) || line.charCodeAt(after) === 41 /* ) */)) return at
    }
    return -1
  }

  /** The time the line starts with (optionally in brackets), or null: what a traceback line's record was logged at. */
  timeAtStart(line: string): number | null {
    return this.#timeAt(line, line.charCodeAt(0) === 91 /* [ */ ? 1 : 0)
  }

  /**
   * Reads the fields before the logger (`line[0..loggerAt)`) and after it, and returns where the
   * message starts, found by `isMessageAt` within a few fields after the logger, or -1. `fields` then
   * holds what was read.
   */
  read(line: string, loggerAt: number, loggerEnd: number, isMessageAt: (at: number) => boolean): number {
    const fields = this.fields
    fields.atMillis = null
    fields.process = undefined
    fields.isLayout = true
    this.#threadId = undefined
    this.#threadName = undefined
    this.#fields(line, 0, loggerAt, true)
    const messageAt = this.#message(line, loggerEnd, isMessageAt)
    fields.thread = this.#threadName ?? this.#threadId
    return messageAt
  }

  /** Tokens in `line[from..to)`, read as layout fields. */
  #fields(line: string, from: number, to: number, isHead: boolean): void {
    let at = from
    while (at < to) {
      const code = line.charCodeAt(at)
      if (isSeparator(code) || code === 45 /* - */) {
        at++
        continue
      }
      if (code === 91 /* [ */) {
        const close = line.indexOf(']', at + 1)
        // An open bracket the logger name closes: `[psycopg.pool]`.
        if (close === -1 || close >= to) return
        this.#field(line, at + 1, close, true, isHead)
        at = close + 1
        continue
      }
      let end = at
      while (end < to && line.charCodeAt(end) !== 32 && line.charCodeAt(end) !== 9 && line.charCodeAt(end) !== 91) end++
      at = this.#field(line, at, end, false, isHead)
    }
  }

  /** One field, `line[start..end)`; returns where the next one may start (after a time that spans two tokens). */
  #field(line: string, start: number, end: number, isBracketed: boolean, isHead: boolean): number {
    const fields = this.fields
    if (fields.atMillis === null) {
      const atMillis = this.#timeAt(line, start)
      if (atMillis !== null) {
        fields.atMillis = atMillis
        return Math.max(end, this.#dateTime.end)
      }
    }
    let text = line.slice(start, end)
    if (text.endsWith(':')) text = text.slice(0, -1)
    if (text === '' || LEVELS.has(text) || ZONE.test(text)) return end
    const labelled = LABELLED_PID.exec(text)
    if (labelled) {
      fields.process = Number(labelled[1])
      return end
    }
    // A number after the logger unbracketed is `%(name)s:%(lineno)d`'s line number, not an id.
    if ((isHead || isBracketed) && /^\d+$/.test(text)) {
      if (text.length <= MAX_PID_DIGITS && fields.process === undefined) fields.process = Number(text)
      else this.#threadId ??= text
      return end
    }
    if (isBracketed && !SOURCE_PLACE.test(text)) {
      // The thread right after the logger is the layout's thread; one before it only if none follows.
      if (!isHead || this.#threadName === undefined) this.#threadName = text
      return end
    }
    if (isHead) fields.isLayout = false
    return end
  }

  #message(line: string, from: number, isMessageAt: (at: number) => boolean): number {
    let at = from
    for (let fieldsRead = 0; at < line.length; ) {
      const code = line.charCodeAt(at)
      if (isSeparator(code) || (code === 45 /* - */ && line.charCodeAt(at + 1) === 32)) {
        at++
        continue
      }
      if (isMessageAt(at)) return at
      if (++fieldsRead > MAX_FIELDS_AFTER_LOGGER) return -1
      const end = code === 91 ? line.indexOf(']', at + 1) : -1
      if (end !== -1) {
        this.#field(line, at + 1, end, true, false)
        at = end + 1
        continue
      }
      let wordEnd = at
      while (wordEnd < line.length && line.charCodeAt(wordEnd) !== 32 && line.charCodeAt(wordEnd) !== 9) wordEnd++
      this.#field(line, at, wordEnd, false, false)
      at = wordEnd
    }
    return -1
  }

  /** `YYYY-MM-DD HH:MM:SS[,fff]` at `at` (a `T` between them too), as UTC. */
  #timeAt(line: string, at: number): number | null {
    if (line.charCodeAt(at + 4) !== 45 || line.charCodeAt(at + 7) !== 45 || line.charCodeAt(at + 13) !== 58) return null
    return this.#dateTime.read(line, at, true) ? this.#dateTime.localMillis : null
  }
}
