// Snapshots in, findings out, over time: the timeline, every detector and the
// finding tracker in one pure object. `watch` feeds it live, `analyze` feeds
// it a recording, `check` feeds it while a command runs: the same snapshots
// give the same findings whichever way they come.
import { runTimelineDetectors } from './detectors/index.js'
import type { Finding } from './finding.js'
import { FindingTracker, type TrackedFinding, type TrackerUpdate } from './finding-tracker.js'
import type { GroupDimension } from './grouping.js'
import type { IgnoreRule } from './ignore-rule.js'
import type { ServerSettings, Snapshot } from './snapshot.js'
import type { Thresholds } from './thresholds.js'
import { Timeline, type TimelineOptions } from './timeline/timeline.js'

export interface LeakMonitorOptions {
  readonly groupBy: readonly GroupDimension[]
  readonly ignore: readonly IgnoreRule[]
  readonly thresholds: Thresholds
  readonly seriesLimits?: TimelineOptions['seriesLimits']
}

export interface MonitorUpdate extends TrackerUpdate {
  /** The findings that hold on this snapshot. */
  readonly current: readonly Finding[]
}

export class LeakMonitor {
  readonly timeline: Timeline
  readonly #tracker = new FindingTracker()
  readonly #options: LeakMonitorOptions
  #settings: ServerSettings

  constructor(settings: ServerSettings, options: LeakMonitorOptions) {
    this.#settings = settings
    this.#options = options
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
  }

  ingest(snapshot: Snapshot): MonitorUpdate {
    const before = this.timeline.samples
    this.timeline.ingest(snapshot)
    if (this.timeline.samples === before) return { current: [], opened: [], resolved: [] }
    const current = runTimelineDetectors({
      timeline: this.timeline,
      settings: this.#settings,
      thresholds: this.#options.thresholds,
      ignore: this.#options.ignore,
    })
    return { current, ...this.#tracker.update(current, snapshot.sampledAtMillis) }
  }

  markGap(fromMillis: number, toMillis: number, reason: string): void {
    this.timeline.markGap(fromMillis, toMillis, reason)
  }

  active(): TrackedFinding[] {
    return this.#tracker.active()
  }

  /** Every finding seen so far, active or not. */
  findings(): TrackedFinding[] {
    return this.#tracker.all()
  }
}
