// PostgreSQL's jsonlog (15+): one object per line, newlines escaped, keys
// from a fixed set (timestamp, pid, error_severity, message,
// application_name...).
import type { PoolEvent } from '../../../core/pool-event.js'
import type { LineParser } from '../log-format.js'
import { classifyServerMessage, ServerSessions, type ServerMessageKind } from './postgres-sessions.js'
import { ServerTimeReader } from './postgres-timestamp.js'

const EMPTY: readonly PoolEvent[] = []

export const JSON_SEVERITY = '"error_severity":"'
const JSON_MESSAGE = '"message":"'

/**
 * The string value of `"key":"...` in a jsonlog line, read in place rather
 * than by parsing the whole record (every line of a busy server would be).
 * Undefined when the key is missing or the value is not a string.
 */
function jsonString(line: string, key: string): string | undefined {
  const keyAt = line.indexOf(key)
  if (keyAt === -1) return undefined
  const start = keyAt + key.length
  let escaped = false
  for (let at = start; at < line.length; at++) {
    const code = line.charCodeAt(at)
    if (code === 92 /* backslash */) {
      escaped = true
      at++
    } else if (code === 34 /* " */) {
      const raw = line.slice(start, at)
      if (!escaped) return raw
      try {
        return JSON.parse(`"${raw}"`) as string
      } catch {
        return undefined
      }
    }
  }
  return undefined
}

/** The number value of `"key":123` in a jsonlog line. */
function jsonInteger(line: string, key: string): number | undefined {
  const keyAt = line.indexOf(key)
  if (keyAt === -1) return undefined
  let value = 0
  let at = keyAt + key.length
  const start = at
  for (; ; at++) {
    const digit = line.charCodeAt(at) - 48
    if (!(digit >= 0 && digit <= 9)) break
    value = value * 10 + digit
  }
  return at > start ? value : undefined
}

export class JsonLogParser implements LineParser {
  readonly #sessions = new ServerSessions()
  readonly #time = new ServerTimeReader()

  parseLine(line: string, lineNumber: number): readonly PoolEvent[] | undefined {
    if (line.length === 0) return EMPTY
    if (line.charCodeAt(0) !== 123 /* { */) return undefined
    // jsonlog writes one object per line, newlines escaped, keys in a fixed
    // set: look at the severity and the message's start before anything else.
    const severityAt = line.indexOf(JSON_SEVERITY)
    if (severityAt === -1) return undefined
    const from = severityAt + JSON_SEVERITY.length
    const severity = line.startsWith('LOG"', from) ? 'LOG' : line.startsWith('FATAL"', from) ? 'FATAL' : undefined
    if (!severity) return EMPTY
    let message: string | undefined
    let kind: ServerMessageKind | undefined
    if (severity === 'LOG') {
      // The session messages hold no quotes, so the escaped text reads the same.
      const messageAt = line.indexOf(JSON_MESSAGE, from)
      if (messageAt === -1) return EMPTY
      kind = classifyServerMessage(severity, line, messageAt + JSON_MESSAGE.length)
      if (!kind) return EMPTY
    } else {
      // FATALs are few, and the ones that matter quote a role or database name.
      message = jsonString(line, JSON_MESSAGE)
      kind = message === undefined ? undefined : classifyServerMessage(severity, message, 0)
      if (!kind) return EMPTY
    }
    const pid = jsonInteger(line, '"pid":')
    if (kind === 'received' || kind === 'ready') return this.#sessions.record(kind, line, 0, { pid, atMillis: null, lineNumber })
    message ??= jsonString(line, JSON_MESSAGE)
    if (message === undefined) return undefined
    const timestamp = jsonString(line, '"timestamp":"')
    return this.#sessions.record(kind, message, 0, {
      pid,
      atMillis: timestamp === undefined ? null : this.#time.read(timestamp),
      lineNumber,
      application: jsonString(line, '"application_name":"') || undefined,
    })
  }
}
