// PostgreSQL's stderr log: each line a prefix (log_line_prefix, any
// layout), the severity written `LOG:  ` with two spaces, then the message.
// Messages that go on for several lines continue on tab-indented lines.
import type { PoolEvent } from '../../../core/pool-event.js'
import type { LineParser } from '../log-format.js'
import { asciiOf, bytesAt, repeated, skipWordsWithout, textOf } from '../line-bytes.js'
import { classifyServerMessageBytes, ServerSessions } from './postgres-sessions.js'
import { ServerTimeReader } from './postgres-timestamp.js'

const EMPTY: readonly PoolEvent[] = []

/** Severities as elog.c writes them, and the labels of the lines that follow a message. */
const SEVERITIES: ReadonlySet<string> = new Set([
  'LOG',
  'FATAL',
  'PANIC',
  'ERROR',
  'WARNING',
  'NOTICE',
  'INFO',
  'DEBUG',
  'DEBUG1',
  'DEBUG2',
  'DEBUG3',
  'DEBUG4',
  'DEBUG5',
  'DETAIL',
  'HINT',
  'QUERY',
  'CONTEXT',
  'STATEMENT',
  'LOCATION',
  'BACKTRACE',
])

function isUpperOrDigit(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 48 && code <= 57)
}

function isWordCharacter(code: number): boolean {
  return isUpperOrDigit(code) || (code >= 97 && code <= 122) || code === 95
}

/**
 * Finds a stderr line's severity, written `LOG:  ` (two spaces) after the
 * prefix, in the line's bytes, looking for colons four bytes at a time. The
 * prefix itself rarely holds `:  `, but may (in an application name), so a
 * few candidates are tried. Kept in fields, not returned as an object: this
 * runs on every line.
 */
export class SeverityFinder {
  severity = ''
  wordStart = 0
  messageStart = 0

  find(bytes: Buffer, start: number, end: number): boolean {
    let tries = 0
    for (let at = afterLeadingTime(bytes, start); at < end; at++) {
      // Most of a prefix holds no colon.
      at = skipWordsWithout(bytes, COLONS, at, end)
      if (bytes[at] !== 58 /* : */ || at + 3 > end || bytes[at + 1] !== 32 || bytes[at + 2] !== 32) continue
      if (this.#severityBefore(bytes, start, at, end)) return true
      if (++tries === 4) return false
    }
    return false
  }

  /** Whether a severity ends at `colon` (`LOG` in `LOG:  `), keeping where it and the message start. */
  #severityBefore(bytes: Buffer, start: number, colon: number, end: number): boolean {
    let wordStart = colon
    while (wordStart > start && isUpperOrDigit(bytes[wordStart - 1]!)) wordStart--
    if (wordStart === colon || (wordStart > start && isWordCharacter(bytes[wordStart - 1]!))) return false
    const severity = knownSeverity(bytes, wordStart, colon)
    if (severity === undefined) return false
    let messageStart = colon + 3
    // log_error_verbosity = verbose puts the SQLSTATE first: `LOG:  00000: `.
    if (bytes[messageStart + 5] === 58 /* : */ && messageStart + 5 < end && isSqlState(bytes, messageStart)) messageStart += 7
    this.severity = severity
    this.wordStart = wordStart
    this.messageStart = messageStart
    return true
  }
}

/** The severity written in `bytes[from..to)` if it is one, without decoding the two that fill a log. */
function knownSeverity(bytes: Buffer, from: number, to: number): string | undefined {
  if (to - from === 3 && bytesAt(bytes, from, to, LOG)) return 'LOG'
  if (to - from === 5 && bytesAt(bytes, from, to, FATAL)) return 'FATAL'
  const severity = asciiOf(bytes, from, to)
  return SEVERITIES.has(severity) ? severity : undefined
}

const COLONS = repeated(58)
const LOG = Buffer.from('LOG')
const FATAL = Buffer.from('FATAL')

/** Where to start looking into a prefix: after its date and time when it starts with them (`%m`, `%t`), which hold neither `:  ` nor `[`. */
function afterLeadingTime(bytes: Uint8Array, start: number): number {
  return bytes[start + 4] === 45 && bytes[start + 10] === 32 && bytes[start + 13] === 58 ? start + 19 : start
}

function isSqlState(bytes: Uint8Array, at: number): boolean {
  for (let i = at; i < at + 5; i++) if (!isUpperOrDigit(bytes[i]!)) return false
  return true
}

/** The backend pid in a prefix, `bytes[start..prefixEnd)`: `%p` as `[%p]` (every common layout), else `pid=%p`. */
function prefixPid(bytes: Buffer, start: number, prefixEnd: number): number | undefined {
  // Byte by byte: the bracket is a few bytes in, too near for reading four at a time to pay.
  for (let open = afterLeadingTime(bytes, start); open < prefixEnd; open++) {
    if (bytes[open] !== 91 /* [ */) continue
    let pid = 0
    let at = open + 1
    for (; at < prefixEnd; at++) {
      const digit = bytes[at]! - 48
      if (!(digit >= 0 && digit <= 9)) break
      pid = pid * 10 + digit
    }
    if (at > open + 1 && bytes[at] === 93 /* ] */) return pid
  }
  const named = PID_NAMED.exec(textOf(bytes, start, prefixEnd))
  return named ? Number(named[1]) : undefined
}

const PID_NAMED = /\bpid=(\d+)/

/**
 * Reads the line's bytes, decoding only names an event keeps (see line-bytes.ts); a line given as
 * text is read as its bytes.
 */
export class StderrLogParser implements LineParser {
  readonly #sessions = new ServerSessions()
  readonly #severity = new SeverityFinder()
  readonly #time = new ServerTimeReader()

  parseLine(line: string, lineNumber: number): readonly PoolEvent[] | undefined {
    const bytes = Buffer.from(line)
    return this.parseBytes(bytes, 0, bytes.length, lineNumber)
  }

  parseBytes(bytes: Buffer, start: number, end: number, lineNumber: number): readonly PoolEvent[] | undefined {
    // Multi-line messages and statements continue on tab-indented lines.
    if (end === start || bytes[start] === 9 /* tab */) return EMPTY
    const mark = this.#severity
    if (!mark.find(bytes, start, end)) return undefined
    const kind = classifyServerMessageBytes(mark.severity, bytes, mark.messageStart, end)
    if (!kind) return EMPTY
    const pid = prefixPid(bytes, start, mark.wordStart)
    // A new backend or a restart needs no time: no event comes of it.
    const atMillis = kind === 'received' || kind === 'ready' ? null : this.#time.readBytes(bytes, start, mark.wordStart)
    return this.#sessions.recordBytes(kind, bytes, mark.messageStart, end, { pid, atMillis, lineNumber })
  }
}
