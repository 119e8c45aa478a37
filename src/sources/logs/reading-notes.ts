// What a user must be told about how a log was read, so a finding that is
// missing is never mistaken for a pool that is healthy: pool lines pgleak
// did not understand, and a pool whose checkouts are not logged at all.
import type { PoolLogSummary } from './read-pool-log.js'

/** By log format, or by the library whose exhaustion text the file quotes. */
const DEBUG_LOGGING_FIX: Readonly<Record<string, string>> = {
  sqlalchemy: "logging.getLogger('sqlalchemy.pool').setLevel(logging.DEBUG) (or create_engine(..., echo_pool='debug'))",
  'psycopg-pool': "logging.getLogger('psycopg.pool').setLevel(logging.DEBUG)",
  psycopg_pool: "logging.getLogger('psycopg.pool').setLevel(logging.DEBUG)",
  'pg-pool': 'instrumentPool(pool, { output: "pool.jsonl" }) from pgleak/node-pg',
  hikaricp: 'logging.level.com.zaxxer.hikari=DEBUG (Spring Boot) or <logger name="com.zaxxer.hikari" level="DEBUG"/> (logback)',
}
const ANY_LIBRARY_FIX = `${DEBUG_LOGGING_FIX.sqlalchemy} for SQLAlchemy, ${DEBUG_LOGGING_FIX['psycopg-pool']} for psycopg_pool, or pgleak's JSON lines (pgleak/node-pg, pgleak_sqlalchemy.py)`

export interface ReadFileFacts extends PoolLogSummary {
  readonly checkouts: number
  readonly exhaustionEvents: number
  /** The libraries whose timeout texts the file quotes (`sqlalchemy`, `psycopg_pool`, `hikaricp`, ...). */
  readonly exhaustionLibraries: readonly string[]
}

export function readingNotes(file: ReadFileFacts): string[] {
  const notes: string[] = []
  if (file.lines === 0) notes.push('the file is empty: nothing was judged.')
  const unrecognised = file.unrecognisedPoolLines
  if (unrecognised.count > 0) {
    notes.push(
      `${unrecognised.count} line${unrecognised.count === 1 ? '' : 's'} of the pool's logger ${unrecognised.count === 1 ? 'was' : 'were'} not understood (first: line ${unrecognised.first.map((l) => l.line).join(', ')}); ` +
        'checkouts among them would be missed. Please report the layout and a line.',
    )
  }
  if (file.exhaustionEvents > 0 && file.checkouts === 0) {
    const byLibrary = file.exhaustionLibraries.length === 1 ? DEBUG_LOGGING_FIX[file.exhaustionLibraries[0]!] : undefined
    const fix = DEBUG_LOGGING_FIX[file.format] ?? byLibrary ?? ANY_LIBRARY_FIX
    notes.push(
      `the log says the pool ran out (${file.exhaustionEvents} time${file.exhaustionEvents === 1 ? '' : 's'}) but has no checkouts: the pool's DEBUG logging seems off, so pgleak cannot tell whether connections are returned. Turn it on: ${fix}.`,
    )
  }
  return notes
}
