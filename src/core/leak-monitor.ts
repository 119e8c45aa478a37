// Snapshots in, findings out, over time: the timeline, every detector and the
// finding tracker in one pure object. `watch` feeds it live, `analyze` feeds
// it a recording, `check` feeds it while a command runs: the same snapshots
// give the same findings whichever way they come.
import { runSnapshotDetectors, TIMELINE_DETECTORS } from './detectors/index.js'
import { runPoolDetectors } from './detectors/pool/index.js'
import { runPoolerDetectors } from './detectors/pooler/index.js'
import type { PoolerSnapshot } from './pooler.js'
import { joinPoolerClients } from './pooler-join.js'
import { PoolerTimeline } from './pooler-timeline.js'
import type { PoolEvent } from './pool-event.js'
import { PoolLedger } from './pool-ledger.js'
import type { Finding } from './finding.js'
import { FindingTracker, type TrackedFinding, type TrackerUpdate } from './finding-tracker.js'
import type { GroupDimension } from './grouping.js'
import type { IgnoreRule } from './ignore-rule.js'
import { haveSameClientBackends, usableSlots, type ServerSettings, type Snapshot } from './snapshot.js'
import type { Thresholds } from './thresholds.js'
import { Timeline, type TimelineOptions } from './timeline/timeline.js'

export interface LeakMonitorOptions {
  readonly groupBy: readonly GroupDimension[]
  readonly ignore: readonly IgnoreRule[]
  readonly thresholds: Thresholds
  readonly seriesLimits?: TimelineOptions['seriesLimits']
  /** Also judge pool events (watch --pool-log), joined to the server's sessions by pid. */
  readonly hasPoolLog?: boolean
  /**
   * Judge a snapshot whose client sessions are every one the very same as when last judged only
   * this often, in sample time; until then its findings are the last ones. On such a snapshot
   * only the clock moved, so a verdict can only come later by a threshold crossed in between.
   * This holds for the detectors over time as for those on one snapshot: a quiet server's
   * counts are flat. serve sets it (its findings are read at each scrape); watch and check judge
   * every poll. (Default: 0, every poll.)
   */
  readonly unchangedSessionsEvaluationMillis?: number
  /**
   * Judge at once, when findings are read (`active()`, `findings()`), a poll whose judging the
   * cadences put off: serve's findings are read at each scrape, and judged then they are as fresh
   * as judged at every poll, for a fraction of the work on a quiet server. (Default: false.)
   */
  readonly judgePutOffPollsWhenRead?: boolean
}

export interface MonitorUpdate extends TrackerUpdate {
  /** The findings that hold on this snapshot. */
  readonly current: readonly Finding[]
}

/**
 * How often the detectors over time run, in sample time. They judge minutes of history, so every poll
 * would only repeat them; the ones on the latest snapshot still run on every poll.
 */
export const TIMELINE_EVALUATION_MILLIS = 2000

export class LeakMonitor {
  readonly timeline: Timeline
  /** The pool log's ledger, when one is followed. */
  readonly poolLedger: PoolLedger | undefined
  /** PgBouncer's view, when pgleak looks through one (`--pgbouncer`). */
  readonly poolers = new PoolerTimeline()
  readonly #tracker = new FindingTracker()
  readonly #options: LeakMonitorOptions
  #settings: ServerSettings
  #timelineFindings: readonly Finding[] = []
  #timelineEvaluatedAtMillis = Number.NEGATIVE_INFINITY
  /** The timeline's count of changes when the detectors over time last judged it. */
  #timelineJudgedChanges: number | undefined
  #snapshotFindings: readonly Finding[] = []
  #snapshotEvaluatedAtMillis = Number.NEGATIVE_INFINITY
  #lastJudged: Snapshot | undefined
  /** The latest poll, when a cadence put off judging some of it, and the pool clock it came with. */
  #putOff: { readonly snapshot: Snapshot; readonly poolNowMillis: number | undefined } | undefined

  constructor(settings: ServerSettings, options: LeakMonitorOptions) {
    this.#settings = settings
    this.#options = options
    this.poolLedger = options.hasPoolLog ? new PoolLedger() : undefined
    this.timeline = new Timeline({
      groupBy: options.groupBy,
      ignore: options.ignore,
      ...(options.seriesLimits ? { seriesLimits: options.seriesLimits } : {}),
    })
  }

  get settings(): ServerSettings {
    return this.#settings
  }

  /** After a reconnect the server may have been restarted with other settings. */
  updateSettings(settings: ServerSettings): void {
    this.#settings = settings
    this.#lastJudged = undefined
    this.#timelineJudgedChanges = undefined
  }

  /** PgBouncer's view at this poll, read before the server's snapshot is ingested. */
  ingestPooler(snapshot: PoolerSnapshot): void {
    this.poolers.ingest(snapshot)
  }

  ingestPoolEvents(events: readonly PoolEvent[]): void {
    if (!this.poolLedger) return
    for (const event of events) this.poolLedger.ingest(event)
  }

  /** `poolNowMillis`: the time pool checkouts are measured against (the application's clock, live). */
  ingest(snapshot: Snapshot, poolNowMillis?: number): MonitorUpdate {
    const before = this.timeline.samples
    this.timeline.ingest(snapshot)
    if (this.timeline.samples === before) return { current: [], opened: [], resolved: [] }
    return this.#judge(snapshot, poolNowMillis, false)
  }

  /** Runs the detectors the cadences call for (all of them when `now`), and updates the findings. */
  #judge(snapshot: Snapshot, poolNowMillis: number | undefined, now: boolean): MonitorUpdate {
    const quietMillis = this.#options.unchangedSessionsEvaluationMillis ?? 0
    const sinceTimelineJudged = snapshot.sampledAtMillis - this.#timelineEvaluatedAtMillis
    let isPutOff = false
    if (now || (sinceTimelineJudged >= TIMELINE_EVALUATION_MILLIS && (sinceTimelineJudged >= quietMillis || this.timeline.changes !== this.#timelineJudgedChanges))) {
      const input = { timeline: this.timeline, settings: this.#settings, thresholds: this.#options.thresholds, ignore: this.#options.ignore }
      this.#timelineFindings = TIMELINE_DETECTORS.flatMap((detect) => detect(input))
      this.#timelineEvaluatedAtMillis = snapshot.sampledAtMillis
      this.#timelineJudgedChanges = this.timeline.changes
    } else isPutOff = true
    if (now || snapshot.sampledAtMillis - this.#snapshotEvaluatedAtMillis >= quietMillis || !isQuietSince(this.#lastJudged, snapshot)) {
      this.#snapshotFindings = runSnapshotDetectors({ snapshot, settings: this.#settings, thresholds: this.#options.thresholds, ignore: this.#options.ignore, groupBy: this.#options.groupBy })
      this.#snapshotEvaluatedAtMillis = snapshot.sampledAtMillis
      this.#lastJudged = snapshot
    } else isPutOff = true
    this.#putOff = isPutOff ? { snapshot, poolNowMillis } : undefined
    let current = [...this.#snapshotFindings, ...this.#timelineFindings]
    if (!this.poolers.isEmpty) {
      current = joinPoolerClients([...current, ...runPoolerDetectors({ timeline: this.poolers, usableSlots: usableSlots(this.#settings) })], this.poolers.poolers().map((p) => p.latest))
    }
    if (this.poolLedger) {
      const fromPools = runPoolDetectors({ ledger: this.poolLedger, thresholds: this.#options.thresholds, nowMillis: poolNowMillis ?? snapshot.sampledAtMillis, snapshot, usableSlots: usableSlots(this.#settings) })
      current = joinPoolFindings(current, fromPools)
    }
    return { current, ...this.#tracker.update(current, snapshot.sampledAtMillis) }
  }

  /** The pool log's verdict when the run is over: a checkout still out now was never returned, however recent. */
  concludePools(nowMillis: number): Finding[] {
    if (!this.poolLedger) return []
    return runPoolDetectors({ ledger: this.poolLedger, thresholds: { ...this.#options.thresholds, unreturnedAfterSeconds: 0 }, nowMillis, usableSlots: usableSlots(this.#settings) })
  }

  markGap(fromMillis: number, toMillis: number, reason: string): void {
    this.timeline.markGap(fromMillis, toMillis, reason)
    // What was judged before the gap no longer holds.
    this.#timelineFindings = []
    this.#timelineEvaluatedAtMillis = Number.NEGATIVE_INFINITY
    this.#timelineJudgedChanges = undefined
    this.#lastJudged = undefined
    this.#putOff = undefined
  }

  /** Forgets resolved findings last seen before `millis` (in sample time): for long runs. */
  forgetResolvedBefore(millis: number): void {
    this.#tracker.forgetResolvedBefore(millis)
  }

  active(): TrackedFinding[] {
    this.#judgePutOff()
    return this.#tracker.active()
  }

  /** Every finding seen so far, active or not. */
  findings(): TrackedFinding[] {
    this.#judgePutOff()
    return this.#tracker.all()
  }

  #judgePutOff(): void {
    if (!this.#putOff || !this.#options.judgePutOffPollsWhenRead) return
    const { snapshot, poolNowMillis } = this.#putOff
    this.#judge(snapshot, poolNowMillis, true)
  }
}

/** Whether `snapshot` holds the very client sessions `judged` did: since then, only the clock moved. */
function isQuietSince(judged: Snapshot | undefined, snapshot: Snapshot): boolean {
  return judged !== undefined && haveSameClientBackends(judged, snapshot)
}

/**
 * A checkout that never came back and the server session behind it are one
 * problem: the pool-imbalance finding names both the code that checked it out
 * and the session, so the session's own idle-in-transaction finding goes.
 */
export function joinPoolFindings(fromServer: readonly Finding[], fromPools: readonly Finding[]): Finding[] {
  const covered = new Set<number>()
  for (const finding of fromPools) if (finding.kind === 'pool-imbalance') for (const pid of finding.pids) covered.add(pid)
  return [...fromServer.filter((f) => f.kind !== 'idle-in-transaction' || !f.pids.some((pid) => covered.has(pid))), ...fromPools]
}
