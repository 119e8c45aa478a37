// PostgreSQL's csvlog: one record per line, unless a quoted field (a
// statement, a detail) holds newlines and carries the record on.
import type { PoolEvent } from '../../../core/pool-event.js'
import type { LineParser } from '../log-format.js'
import { csvFields, quoteCount } from './csv-record.js'
import { classifyServerMessage, ServerSessions } from './postgres-sessions.js'
import { ServerTimeReader } from './postgres-timestamp.js'

const EMPTY: readonly PoolEvent[] = []

/** csvlog columns (PostgreSQL 13+; older servers stop before backend_type). */
const CSV = { logTime: 0, processId: 3, errorSeverity: 11, message: 13, applicationName: 22 } as const
const CSV_PID = [CSV.processId]
const CSV_WANTED = [CSV.logTime, CSV.processId, CSV.errorSeverity, CSV.message, CSV.applicationName]

export class CsvLogParser implements LineParser {
  readonly #sessions = new ServerSessions()
  readonly #time = new ServerTimeReader()
  /** Inside a quoted field that a previous line opened: the record goes on. */
  #inQuotedField = false

  parseLine(line: string, lineNumber: number): readonly PoolEvent[] | undefined {
    if (this.#inQuotedField) {
      if (quoteCount(line) % 2 === 1) this.#inQuotedField = false
      return EMPTY
    }
    if (line.length === 0) return EMPTY
    if (!startsWithDate(line)) return undefined
    if (quoteCount(line) % 2 === 1) {
      // A record spanning lines: a statement or detail, never a connection message.
      this.#inQuotedField = true
      return EMPTY
    }
    // Cheap look at `,LOG,00000,"message` before splitting the record.
    let severity: 'LOG' | 'FATAL' = 'LOG'
    let at = line.indexOf(',LOG,')
    if (at === -1) {
      at = line.indexOf(',FATAL,')
      if (at === -1) return EMPTY
      severity = 'FATAL'
    }
    const kind = classifyServerMessage(severity, line, at + severity.length + 9)
    if (!kind) return EMPTY
    if (kind === 'received' || kind === 'ready') {
      // Only the pid matters, and it comes early.
      const pid = Number(csvFields(line, CSV_PID)?.[0])
      return this.#sessions.record(kind, line, 0, { pid: Number.isInteger(pid) ? pid : undefined, atMillis: null, lineNumber })
    }
    const fields = csvFields(line, CSV_WANTED)
    if (!fields || fields.length < 4) return undefined
    const [logTime = '', processId, errorSeverity = '', message = '', application] = fields
    // Checked again on the fields themselves: the cheap look could have been fooled by a quoted `,LOG,`.
    if (classifyServerMessage(errorSeverity, message, 0) !== kind) return EMPTY
    const pid = Number(processId)
    return this.#sessions.record(kind, message, 0, {
      pid: Number.isInteger(pid) ? pid : undefined,
      atMillis: this.#time.read(logTime),
      lineNumber,
      application: application || undefined,
    })
  }
}

function startsWithDate(line: string): boolean {
  const code = line.charCodeAt(0)
  return code >= 48 && code <= 57 && line.charCodeAt(4) === 45 /* - */
}
