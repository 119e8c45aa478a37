// The NDJSON recording that `watch --record` writes and `analyze` replays:
// one complete JSON line per event, so a recording cut short by a kill is
// still valid up to its last line. Backends are arrays in BACKEND_COLUMNS
// order: a thousand backends a second stay a few hundred kilobytes.
import type { Backend, BackendState } from '../../core/backend.js'
import type { GroupDimension } from '../../core/grouping.js'
import type { PoolEvent } from '../../core/pool-event.js'
import type { PoolerSnapshot } from '../../core/pooler.js'
import type { ServerSettings, Snapshot } from '../../core/snapshot.js'
import type { Thresholds } from '../../core/thresholds.js'

export const RECORDING_FORMAT = 'pgleak-recording'
/** 2 adds `delta` lines (what changed since the last poll); readers take 1 and 2. */
export const RECORDING_VERSION = 2
/** A full snapshot at least this often, so a file cut or read from its middle is whole again soon. */
export const FULL_SNAPSHOT_EVERY_POLLS = 120

export const BACKEND_COLUMNS = [
  'pid',
  'backendStartMillis',
  'xactStartMillis',
  'stateChangeMillis',
  'queryStartMillis',
  'state',
  'backendType',
  'application',
  'user',
  'database',
  'clientAddr',
  'clientPort',
  'waitEventType',
  'waitEvent',
  'xminAge',
  'blockedBy',
  'query',
  'isVisible',
] as const satisfies readonly (keyof Backend)[]

export type BackendRow = [
  number,
  number | null,
  number | null,
  number | null,
  number | null,
  BackendState | null,
  string | null,
  string,
  string | null,
  string | null,
  string | null,
  number | null,
  string | null,
  string | null,
  number | null,
  readonly number[],
  string | null,
  boolean,
]

export interface RecordingHeader {
  readonly type: typeof RECORDING_FORMAT
  readonly version: number
  readonly pgleakVersion: string
  readonly startedAt: string
  readonly target: string
  readonly intervalMillis: number
  readonly groupBy: readonly GroupDimension[]
  /** The --ignore rules of the live run, as written (`app=pg_dump`), so a replay judges the same way. */
  readonly ignore: readonly string[]
  readonly thresholds: Thresholds
  readonly columns: readonly string[]
  /** The pool log the live run followed (`--pool-log`): its events are in the recording, so a replay judges them too. */
  readonly poolLog?: string
}

export type RecordingEvent =
  | RecordingHeader
  | { readonly type: 'settings'; readonly settings: ServerSettings }
  | { readonly type: 'snapshot'; readonly at: number; readonly sessions?: number | null; readonly backends: readonly BackendRow[] }
  | { readonly type: 'gap'; readonly from: number; readonly to: number; readonly reason: string }
  /** Pool-log events read before the next snapshot, and the application's clock they were judged at. */
  | { readonly type: 'pool-events'; readonly poolNow: number; readonly events: readonly PoolEvent[] }
  /**
   * A poll as what changed since the one before: sessions new or changed (whole rows) and the pids of
   * those gone. Mostly idle servers change little from one second to the next.
   */
  | { readonly type: 'delta'; readonly at: number; readonly sessions?: number | null; readonly upserts: readonly BackendRow[]; readonly gone: readonly number[] }
  /** PgBouncer's view at the next snapshot's poll (`--pgbouncer`). */
  | { readonly type: 'pooler'; readonly snapshot: PoolerSnapshot }

export function toBackendRow(b: Backend): BackendRow {
  return [
    b.pid,
    b.backendStartMillis,
    b.xactStartMillis,
    b.stateChangeMillis,
    b.queryStartMillis,
    b.state,
    b.backendType,
    b.application,
    b.user,
    b.database,
    b.clientAddr,
    b.clientPort,
    b.waitEventType,
    b.waitEvent,
    b.xminAge,
    b.blockedBy,
    b.query,
    b.isVisible,
  ]
}

export function snapshotEvent(snapshot: Snapshot): RecordingEvent {
  return { type: 'snapshot', at: snapshot.sampledAtMillis, sessions: snapshot.sessionsEstablished ?? null, backends: snapshot.backends.map(toBackendRow) }
}
