// PostgreSQL's stderr log: each line a prefix (log_line_prefix, any
// layout), the severity written `LOG:  ` with two spaces, then the message.
// Messages that go on for several lines continue on tab-indented lines.
import type { PoolEvent } from '../../../core/pool-event.js'
import type { LineParser } from '../log-format.js'
import { classifyServerMessage, ServerSessions } from './postgres-sessions.js'
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
 * prefix. The prefix itself rarely holds `:  `, but may (in an application
 * name), so a few candidates are tried. Kept in fields, not returned as an
 * object: this runs on every line.
 */
export class SeverityFinder {
  severity = ''
  wordStart = 0
  messageStart = 0

  find(line: string): boolean {
    let colon = line.indexOf(':  ')
    for (let tries = 0; colon > 0 && tries < 4; tries++) {
      let start = colon
      while (start > 0 && isUpperOrDigit(line.charCodeAt(start - 1))) start--
      if (start < colon && (start === 0 || !isWordCharacter(line.charCodeAt(start - 1)))) {
        const severity = colon - start === 3 && line.startsWith('LOG', start) ? 'LOG' : line.slice(start, colon)
        if (SEVERITIES.has(severity)) {
          let messageStart = colon + 3
          // log_error_verbosity = verbose puts the SQLSTATE first: `LOG:  00000: `.
          if (line.charCodeAt(messageStart + 5) === 58 /* : */ && isSqlState(line, messageStart)) messageStart += 7
          this.severity = severity
          this.wordStart = start
          this.messageStart = messageStart
          return true
        }
      }
      colon = line.indexOf(':  ', colon + 1)
    }
    return false
  }
}

function isSqlState(line: string, at: number): boolean {
  for (let i = at; i < at + 5; i++) if (!isUpperOrDigit(line.charCodeAt(i))) return false
  return true
}

/** The backend pid in a prefix: `%p` as `[%p]` (every common layout), else `pid=%p`. */
function prefixPid(line: string, prefixEnd: number): number | undefined {
  for (let open = line.indexOf('['); open !== -1 && open < prefixEnd; open = line.indexOf('[', open + 1)) {
    let pid = 0
    let at = open + 1
    for (; at < prefixEnd; at++) {
      const digit = line.charCodeAt(at) - 48
      if (!(digit >= 0 && digit <= 9)) break
      pid = pid * 10 + digit
    }
    if (at > open + 1 && line.charCodeAt(at) === 93 /* ] */) return pid
  }
  const named = PID_NAMED.exec(line.slice(0, prefixEnd))
  return named ? Number(named[1]) : undefined
}

const PID_NAMED = /\bpid=(\d+)/

export class StderrLogParser implements LineParser {
  readonly #sessions = new ServerSessions()
  readonly #severity = new SeverityFinder()
  readonly #time = new ServerTimeReader()

  parseLine(line: string, lineNumber: number): readonly PoolEvent[] | undefined {
    // Multi-line messages and statements continue on tab-indented lines.
    if (line.length === 0 || line.charCodeAt(0) === 9 /* tab */) return EMPTY
    const mark = this.#severity
    if (!mark.find(line)) return undefined
    const kind = classifyServerMessage(mark.severity, line, mark.messageStart)
    if (!kind) return EMPTY
    const pid = prefixPid(line, mark.wordStart)
    // A new backend or a restart needs no time: no event comes of it.
    const atMillis = kind === 'received' || kind === 'ready' ? null : this.#time.read(line, mark.wordStart)
    return this.#sessions.record(kind, line, mark.messageStart, { pid, atMillis, lineNumber })
  }
}
