// One target of `serve`: its own live loop (the same poller, reconnects,
// deadlines and detectors as `watch`), restarted with backoff when it cannot
// connect at all, and what the exposition and /findings read of it. Targets
// never wait on each other: each runs on its own timers.
import { serverInfo, type ServerInfo } from '../core/audit-report.js'
import type { GroupDimension } from '../core/grouping.js'
import type { IgnoreRule } from '../core/ignore-rule.js'
import type { LeakMonitor } from '../core/leak-monitor.js'
import { redactSnapshot } from '../core/redact-query.js'
import type { ServerSettings, Snapshot } from '../core/snapshot.js'
import type { Thresholds } from '../core/thresholds.js'
import { isPgleakError } from '../errors.js'
import { LiveLoop, type LiveEvent } from '../live-loop.js'
import { sleep } from '../sources/pg/poll-snapshots.js'
import { resultOf, type WatchResult } from '../watch.js'
import type { ServeTarget } from './serve-targets.js'

export interface TargetWatchOptions {
  readonly intervalMillis: number
  readonly groupBy: readonly GroupDimension[]
  readonly ignore: readonly IgnoreRule[]
  readonly thresholds: Thresholds
  readonly redact: boolean
  readonly connectTimeoutMillis: number
  /** Longest wait between attempts to reach a target that is down. (Default: 30 000.) */
  readonly maxBackoffMillis?: number
  readonly onNotice?: (target: string, message: string) => void
}

/** Resolved findings stay in /findings this long, then are forgotten: memory stays bounded for weeks. */
const RESOLVED_KEPT_MILLIS = 24 * 3600_000
const FORGET_EVERY_MILLIS = 60_000
/**
 * A poll whose client sessions are all unchanged is judged when its findings are read (each scrape,
 * /findings), and at least this often: a thousand idle sessions judged every second cost a target
 * most of its CPU, for verdicts nobody reads until the next scrape. Any session that opens, closes
 * or changes state is judged at once.
 */
const UNCHANGED_SESSIONS_EVALUATION_MILLIS = 60_000

export class TargetWatch {
  readonly target: ServeTarget
  /** The last poll was answered. */
  isUp = false
  /** Why it is down, in the words pgleak prints elsewhere. */
  lastError: string | null = null
  polls = 0
  pollErrors = 0
  lastPollSeconds: number | null = null
  settings: ServerSettings | undefined
  /** The latest poll as the server answered it (query text redacted with --redact). */
  snapshot: Snapshot | undefined
  monitor: LeakMonitor | undefined
  readonly #options: TargetWatchOptions
  readonly #controller = new AbortController()
  #running: Promise<void> | undefined
  #forgottenAtMillis = 0
  #lastNotice: string | undefined

  constructor(target: ServeTarget, options: TargetWatchOptions) {
    this.target = target
    this.#options = options
  }

  start(): void {
    this.#running ??= this.#run()
  }

  /** Stops polling and closes the connection: within a second, whatever the server does. */
  async stop(): Promise<void> {
    this.#controller.abort()
    await this.#running
  }

  get server(): ServerInfo | undefined {
    return this.settings ? serverInfo(this.settings, this.target.connection.description) : undefined
  }

  /** What `watch` would report now, for /findings. */
  result(): WatchResult | undefined {
    const server = this.server
    return this.monitor && server ? resultOf(this.monitor, server) : undefined
  }

  async #run(): Promise<void> {
    const signal = this.#controller.signal
    const maxBackoff = this.#options.maxBackoffMillis ?? 30_000
    let backoff = 1000
    while (!signal.aborted) {
      const loop = new LiveLoop({
        intervalMillis: this.#options.intervalMillis,
        signal,
        groupBy: this.#options.groupBy,
        ignore: this.#options.ignore,
        thresholds: this.#options.thresholds,
        connectTimeoutMillis: this.#options.connectTimeoutMillis,
        maxBackoffMillis: maxBackoff,
        unchangedSessionsEvaluationMillis: UNCHANGED_SESSIONS_EVALUATION_MILLIS,
        judgePutOffPollsWhenRead: true,
        ...(this.#options.redact ? { view: redactSnapshot } : {}),
        ...(this.target.poolers.length > 0 ? { poolerTargets: this.target.poolers } : {}),
      })
      try {
        for await (const event of loop.run(this.target.connection)) {
          backoff = 1000
          this.#take(event)
        }
      } catch (error) {
        // The first connection of a loop failed: down until a later attempt connects.
        this.#down(isPgleakError(error) ? (error.hint ? `${error.message}. ${error.hint}` : error.message) : String(error))
      }
      if (signal.aborted) break
      this.#notice(`cannot reach the database (${this.lastError}); trying again with backoff up to ${Math.round(maxBackoff / 1000)} s`)
      await sleep(backoff, signal)
      backoff = Math.min(backoff * 2, maxBackoff)
    }
    this.isUp = false
  }

  #take(event: LiveEvent): void {
    switch (event.type) {
      case 'connected':
        this.settings = event.settings
        this.monitor = event.monitor
        if (event.isReconnect) this.#notice('connected again')
        break
      case 'sample': {
        this.polls++
        this.isUp = true
        this.lastError = null
        this.lastPollSeconds = event.queryMillis / 1000
        this.snapshot = event.snapshot
        const now = event.snapshot.sampledAtMillis
        if (now - this.#forgottenAtMillis >= FORGET_EVERY_MILLIS) {
          event.monitor.forgetResolvedBefore(now - RESOLVED_KEPT_MILLIS)
          this.#forgottenAtMillis = now
        }
        break
      }
      case 'gap':
        break
      case 'disconnected':
        this.#down(event.error.message)
        this.#notice(`lost the connection (${event.error.message}); reconnecting with backoff`)
        break
      case 'skipped':
        this.pollErrors++
        this.lastError = event.error.message
        break
      case 'pooler-unreachable':
        this.#notice(`PgBouncer ${event.pooler} did not answer: ${event.error.message}`)
        break
    }
  }

  /** Said once per cause, not at every attempt or poll: a target down for a night would otherwise fill the log. */
  #notice(message: string): void {
    if (message !== this.#lastNotice) this.#options.onNotice?.(this.target.name, message)
    this.#lastNotice = message
  }

  #down(message: string): void {
    this.isUp = false
    this.pollErrors++
    this.lastError = message
  }
}
