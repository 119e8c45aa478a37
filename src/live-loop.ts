// The one live loop behind `watch` and `check`: polls pg_stat_activity over
// pgleak's one connection, reconnects and marks the gaps, follows a pool log,
// and feeds both into one LeakMonitor. What a command does with each sample
// (record it, draw it, take a baseline, wait for a command) is its own.
import { LeakMonitor, type MonitorUpdate } from './core/leak-monitor.js'
import type { GroupDimension } from './core/grouping.js'
import type { IgnoreRule } from './core/ignore-rule.js'
import type { ServerSettings, Snapshot } from './core/snapshot.js'
import type { Thresholds } from './core/thresholds.js'
import type { TimelineGap } from './core/timeline/timeline.js'
import type { PgleakError } from './errors.js'
import type { PoolEvent } from './core/pool-event.js'
import type { PoolerSnapshot } from './core/pooler.js'
import { PoolerPoller } from './sources/pgbouncer/poll-poolers.js'
import { PoolLogFollower } from './sources/logs/follow-pool-log.js'
import type { ConnectionTarget } from './sources/pg/connection-target.js'
import type { SessionOptions } from './sources/pg/pgleak-session.js'
import { pollSnapshots } from './sources/pg/poll-snapshots.js'

export interface LiveLoopOptions extends SessionOptions {
  readonly intervalMillis: number
  /** Ends the loop: the poll in flight finishes, then the generator returns. */
  readonly signal: AbortSignal
  readonly groupBy: readonly GroupDimension[]
  readonly ignore: readonly IgnoreRule[]
  readonly thresholds: Thresholds
  /** Follow this pool log as it grows, and join its checkouts to the server's sessions. */
  readonly poolLogPath?: string
  readonly poolLogFormat?: string
  /** What the monitor judges of each poll: all of it, or only a check's sessions; redacted or not. */
  readonly view?: (snapshot: Snapshot) => Snapshot
  /** PgBouncer admin consoles to look through at each poll (`--pgbouncer`). */
  readonly poolerTargets?: readonly ConnectionTarget[]
  /** Longest wait between reconnection attempts. (Default: 30 000.) */
  readonly maxBackoffMillis?: number
  /** See LeakMonitorOptions. (Default: 0, every poll.) */
  readonly unchangedSessionsEvaluationMillis?: number
  /** See LeakMonitorOptions. (Default: false.) */
  readonly judgePutOffPollsWhenRead?: boolean
}

export type LiveEvent =
  | { readonly type: 'connected'; readonly settings: ServerSettings; readonly isReconnect: boolean; readonly monitor: LeakMonitor }
  | {
      readonly type: 'sample'
      /** The poll as the server answered it. */
      readonly raw: Snapshot
      /** What the monitor judged: the view of it. */
      readonly snapshot: Snapshot
      readonly update: MonitorUpdate
      readonly monitor: LeakMonitor
      readonly queryMillis: number
      /** Pool-log events read for this poll, and the application's clock they were judged at: for a recording. */
      readonly poolEvents: readonly PoolEvent[]
      readonly poolNowMillis: number
      /** PgBouncer's view at this poll, for the poolers that answered. */
      readonly poolerSnapshots: readonly PoolerSnapshot[]
    }
  | { readonly type: 'pooler-unreachable'; readonly pooler: string; readonly error: PgleakError }
  | { readonly type: 'gap'; readonly gap: TimelineGap }
  | { readonly type: 'disconnected'; readonly error: PgleakError; readonly retryInMillis: number; readonly attempt: number }
  | { readonly type: 'skipped'; readonly error: PgleakError }

export class LiveLoop {
  readonly #options: LiveLoopOptions
  readonly #poolLog: PoolLogFollower | undefined
  readonly #poolers: PoolerPoller | undefined
  #monitor: LeakMonitor | undefined

  constructor(options: LiveLoopOptions) {
    this.#options = options
    this.#poolLog = options.poolLogPath !== undefined ? new PoolLogFollower(options.poolLogPath, options.poolLogFormat) : undefined
    this.#poolers = options.poolerTargets && options.poolerTargets.length > 0 ? new PoolerPoller(options.poolerTargets, { connectTimeoutMillis: options.connectTimeoutMillis ?? 10_000 }) : undefined
  }

  /** The monitor, once the first connection gave the server's settings. */
  get monitor(): LeakMonitor | undefined {
    return this.#monitor
  }

  /** Reads what the pool log gained since the last poll, and returns it: for the end of a run too, after the last poll. */
  catchUpPoolLog(): PoolEvent[] {
    if (!this.#poolLog || !this.#monitor) return []
    const events = this.#poolLog.poll()
    this.#monitor.ingestPoolEvents(events)
    return events
  }


  async *run(target: ConnectionTarget): AsyncGenerator<LiveEvent, void> {
    const options = this.#options
    try {
      yield* this.#run(target, options)
    } finally {
      await this.#poolers?.close()
    }
  }

  async *#run(target: ConnectionTarget, options: LiveLoopOptions): AsyncGenerator<LiveEvent, void> {
    for await (const event of pollSnapshots(target, options)) {
      switch (event.type) {
        case 'connected': {
          if (this.#monitor) this.#monitor.updateSettings(event.settings)
          else {
            this.#monitor = new LeakMonitor(event.settings, {
              groupBy: options.groupBy,
              ignore: options.ignore,
              thresholds: options.thresholds,
              hasPoolLog: this.#poolLog !== undefined,
              ...(options.unchangedSessionsEvaluationMillis !== undefined ? { unchangedSessionsEvaluationMillis: options.unchangedSessionsEvaluationMillis } : {}),
              ...(options.judgePutOffPollsWhenRead ? { judgePutOffPollsWhenRead: true } : {}),
            })
          }
          yield { type: 'connected', settings: event.settings, isReconnect: event.isReconnect, monitor: this.#monitor }
          break
        }
        case 'snapshot': {
          const monitor = this.#monitor
          if (!monitor) break
          const snapshot = options.view ? options.view(event.snapshot) : event.snapshot
          const pooler = this.#poolers?.takeFinished()
          for (const failure of pooler?.errors ?? []) yield { type: 'pooler-unreachable', pooler: failure.pooler, error: failure.error }
          for (const look of pooler?.snapshots ?? []) monitor.ingestPooler(look)
          const poolEvents = this.catchUpPoolLog()
          // Pool events carry the application's clock, which is this machine's when watching live.
          const poolNowMillis = Date.now()
          const update = monitor.ingest(snapshot, poolNowMillis)
          yield { type: 'sample', raw: event.snapshot, snapshot, update, monitor, queryMillis: event.queryMillis, poolEvents, poolNowMillis, poolerSnapshots: pooler?.snapshots ?? [] }
          break
        }
        case 'gap': {
          this.#monitor?.markGap(event.fromMillis, event.toMillis, event.reason)
          yield { type: 'gap', gap: { fromMillis: event.fromMillis, toMillis: event.toMillis, reason: event.reason } }
          break
        }
        case 'disconnected':
          yield { type: 'disconnected', error: event.error, retryInMillis: event.retryInMillis, attempt: event.attempt }
          break
        case 'skipped':
          yield { type: 'skipped', error: event.error }
          break
      }
    }
  }
}
