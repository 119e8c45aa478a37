// pgleak's own JSON-lines schema: one object per line, so any language can
// describe its pool. Written by pgleak's node-postgres helper
// (`pgleak/node-pg`) and by the SQLAlchemy event listener in the README.
import { isEpochMillis } from '../../../core/epoch-millis.js'
import { POOL_EVENT_TYPES, type PoolEvent, type PoolEventType, type PoolLogSource } from '../../../core/pool-event.js'
import type { LineParser, LogFormat } from '../log-format.js'

/** node-postgres' own event names, accepted for the schema's. */
const ALIASES: Readonly<Record<string, PoolEventType>> = { acquire: 'checkout', release: 'checkin', remove: 'close', end: 'dispose', timeout: 'pool-timeout' }
const LIBRARIES: Readonly<Record<string, PoolLogSource>> = { 'node-postgres': 'node-postgres', pg: 'node-postgres', sqlalchemy: 'sqlalchemy', psycopg_pool: 'psycopg_pool', hikaricp: 'hikaricp' }

function eventType(value: unknown): PoolEventType | undefined {
  if (typeof value !== 'string') return undefined
  if ((POOL_EVENT_TYPES as readonly string[]).includes(value)) return value as PoolEventType
  return ALIASES[value]
}

function timeOf(value: unknown): number | null | undefined {
  if (value === undefined || value === null) return null
  if (typeof value === 'number') return isEpochMillis(value) ? value : undefined
  if (typeof value === 'string') {
    const millis = Date.parse(value)
    return Number.isNaN(millis) ? undefined : millis
  }
  return undefined
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

function stackOf(value: unknown): readonly string[] | undefined {
  if (typeof value === 'string') return value.split('\n').map((frame) => frame.trim()).filter((frame) => frame.length > 0)
  if (Array.isArray(value)) return value.filter((frame): frame is string => typeof frame === 'string')
  return undefined
}

class JsonlLineParser implements LineParser {
  parseLine(line: string, lineNumber: number): readonly PoolEvent[] | undefined {
    const trimmed = line.trim()
    if (trimmed === '') return []
    if (!trimmed.startsWith('{')) return undefined
    let record: Record<string, unknown>
    try {
      record = JSON.parse(trimmed) as Record<string, unknown>
    } catch {
      return undefined
    }
    const type = eventType(record.event)
    const atMillis = timeOf(record.time)
    const pool = record.pool
    if (type === undefined || atMillis === undefined || (typeof pool !== 'string' && typeof pool !== 'number')) return undefined
    const connection = record.connection ?? record.client
    const stack = stackOf(record.stack)
    const fields: Record<string, unknown> = {
      type,
      source: LIBRARIES[String(record.library)] ?? 'pgleak',
      atMillis,
      line: lineNumber,
      pool: String(pool),
      ...(connection !== undefined && connection !== null ? { connection: String(connection) } : {}),
      ...(numberOf(record.pid) !== undefined ? { backendPid: numberOf(record.pid) } : {}),
      ...(numberOf(record.process) !== undefined ? { process: numberOf(record.process) } : {}),
      ...(record.thread !== undefined ? { thread: String(record.thread) } : {}),
      ...(stack ? { stack } : {}),
      ...(numberOf(record.size) !== undefined ? { poolSize: numberOf(record.size) } : {}),
      ...(numberOf(record.overflow) !== undefined ? { maxOverflow: numberOf(record.overflow) } : {}),
      ...(numberOf(record.timeout) !== undefined ? { timeoutSeconds: numberOf(record.timeout) } : {}),
      ...(numberOf(record.total) !== undefined ? { total: numberOf(record.total) } : {}),
      ...(numberOf(record.idle) !== undefined ? { idle: numberOf(record.idle) } : {}),
      ...(numberOf(record.waiting) !== undefined ? { waiting: numberOf(record.waiting) } : {}),
      ...(typeof record.message === 'string' ? { text: record.message.slice(0, 500) } : {}),
    }
    return [fields as unknown as PoolEvent]
  }
}

export const pgleakJsonl: LogFormat = {
  name: 'pgleak',
  description: "pgleak's JSON-lines pool event schema (written by pgleak/node-pg, or by your own listener)",
  sniff(lines) {
    const objects = lines.filter((line) => line.startsWith('{'))
    const events = objects.filter((line) => line.includes('"event"') && line.includes('"pool"')).length
    return objects.length === 0 ? 0 : events / objects.length
  },
  create: () => new JsonlLineParser(),
}
