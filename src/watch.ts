// `watch`: the live loop over a database, reporting each sample, each finding
// as it opens and resolves, and each lost and regained connection, and
// recording them when asked. The library entry point behind `pgleak watch`.
import { serverInfo, type ReportOptions, type ServerInfo } from './core/audit-report.js'
import type { TrackedFinding } from './core/finding-tracker.js'
import type { LeakMonitor, MonitorUpdate } from './core/leak-monitor.js'
import { redactSnapshot } from './core/redact-query.js'
import type { Snapshot } from './core/snapshot.js'
import { thresholdsFor } from './core/thresholds.js'
import type { TimelineGap } from './core/timeline/timeline.js'
import { resolveConnectionTarget } from './sources/pg/connection-target.js'
import { poolerTargetsOf } from './sources/pgbouncer/pooler-target.js'
import type { SessionOptions } from './sources/pg/pgleak-session.js'
import { pollIntervalMillis } from './sources/pg/poll-snapshots.js'
import { RECORDING_FORMAT, RECORDING_VERSION, BACKEND_COLUMNS } from './sources/recording/recording-format.js'
import { DeltaEncoder } from './sources/recording/snapshot-deltas.js'
import { RecordingWriter } from './sources/recording/recording-writer.js'
import { LiveLoop } from './live-loop.js'
import { PGLEAK_VERSION } from './version.js'

export interface WatchOptions extends SessionOptions, Partial<ReportOptions> {
  readonly dsn?: string
  /** (Default: 1 000.) */
  readonly intervalMillis?: number
  /** Stop after this long; otherwise run until `signal` aborts. */
  readonly durationMillis?: number
  /** Append every snapshot to this NDJSON file. */
  readonly recordPath?: string
  /** Follow this pool log as it grows and join its checkouts to the server's sessions. */
  readonly poolLogPath?: string
  /** Its format, when it should not be detected. */
  readonly poolLogFormat?: string
  /** PgBouncer admin console URLs to look through at each poll. */
  readonly pgbouncer?: readonly string[]
  readonly signal?: AbortSignal
  readonly onEvent?: (event: WatchEvent) => void
}

export type WatchEvent =
  | { readonly type: 'connected'; readonly server: ServerInfo; readonly isReconnect: boolean }
  | { readonly type: 'sample'; readonly snapshot: Snapshot; readonly update: MonitorUpdate; readonly monitor: LeakMonitor; readonly queryMillis: number }
  | { readonly type: 'disconnected'; readonly message: string; readonly retryInMillis: number; readonly attempt: number }
  | { readonly type: 'gap'; readonly gap: TimelineGap }
  | { readonly type: 'skipped'; readonly message: string }

export interface WatchResult {
  readonly server: ServerInfo
  /** Every finding seen during the watch, with when it was first and last seen. */
  readonly findings: readonly TrackedFinding[]
  readonly window: { readonly fromMillis: number; readonly toMillis: number; readonly samples: number }
  readonly gaps: readonly TimelineGap[]
  readonly monitor: LeakMonitor
}

export async function watch(options: WatchOptions = {}): Promise<WatchResult> {
  const env = options.env ?? process.env
  const target = resolveConnectionTarget(options.dsn, env)
  const intervalMillis = pollIntervalMillis(options.intervalMillis, 1000)
  const groupBy = options.groupBy ?? ['app']
  const thresholds = options.thresholds ?? thresholdsFor('watch')
  const controller = new AbortController()
  const stop = (): void => controller.abort()
  options.signal?.addEventListener('abort', stop, { once: true })
  if (options.signal?.aborted) stop()
  const timer = options.durationMillis !== undefined ? setTimeout(stop, options.durationMillis) : undefined
  const recording = options.recordPath ? RecordingWriter.open(options.recordPath) : undefined
  const deltas = new DeltaEncoder()
  const loop = new LiveLoop({
    ...options,
    poolerTargets: poolerTargetsOf(options.pgbouncer, env),
    intervalMillis,
    signal: controller.signal,
    groupBy,
    ignore: options.ignore ?? [],
    thresholds,
    ...(options.redact ? { view: redactSnapshot } : {}),
  })

  let server: ServerInfo | undefined
  try {
    for await (const event of loop.run(target)) {
      switch (event.type) {
        case 'connected': {
          server = serverInfo(event.settings, target.description)
          if (!event.isReconnect) {
            recording?.write({
              type: RECORDING_FORMAT,
              version: RECORDING_VERSION,
              pgleakVersion: PGLEAK_VERSION,
              startedAt: new Date().toISOString(),
              target: target.description,
              intervalMillis,
              groupBy,
              ignore: (options.ignore ?? []).map((rule) => `${rule.dimension}=${rule.pattern}`),
              thresholds,
              columns: BACKEND_COLUMNS,
              ...(options.poolLogPath !== undefined ? { poolLog: options.poolLogPath } : {}),
            })
          }
          recording?.write({ type: 'settings', settings: event.settings })
          options.onEvent?.({ type: 'connected', server, isReconnect: event.isReconnect })
          break
        }
        case 'sample':
          if (event.poolEvents.length > 0 || options.poolLogPath !== undefined) recording?.write({ type: 'pool-events', poolNow: event.poolNowMillis, events: event.poolEvents })
          for (const pooler of event.poolerSnapshots) recording?.write({ type: 'pooler', snapshot: pooler })
          recording?.write(deltas.encode(event.snapshot))
          options.onEvent?.({ type: 'sample', snapshot: event.snapshot, update: event.update, monitor: event.monitor, queryMillis: event.queryMillis })
          break
        case 'gap':
          recording?.write({ type: 'gap', from: event.gap.fromMillis, to: event.gap.toMillis, reason: event.gap.reason })
          deltas.reset()
          options.onEvent?.({ type: 'gap', gap: event.gap })
          break
        case 'disconnected':
          options.onEvent?.({ type: 'disconnected', message: event.error.message, retryInMillis: event.retryInMillis, attempt: event.attempt })
          break
        case 'skipped':
          options.onEvent?.({ type: 'skipped', message: event.error.message })
          break
        case 'pooler-unreachable':
          options.onEvent?.({ type: 'skipped', message: `PgBouncer ${event.pooler} did not answer: ${event.error.message}` })
          break
      }
    }
  } finally {
    if (timer) clearTimeout(timer)
    options.signal?.removeEventListener('abort', stop)
    recording?.close()
  }
  if (!loop.monitor || !server) throw new Error('watch ended before it connected')
  return resultOf(loop.monitor, server)
}

export function resultOf(monitor: LeakMonitor, server: ServerInfo): WatchResult {
  const timeline = monitor.timeline
  return {
    server,
    findings: monitor.findings(),
    window: { fromMillis: timeline.firstMillis ?? Number.NaN, toMillis: timeline.latest?.sampledAtMillis ?? Number.NaN, samples: timeline.samples },
    gaps: timeline.gaps,
    monitor,
  }
}
