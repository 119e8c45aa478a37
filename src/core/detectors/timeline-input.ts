import type { IgnoreRule } from '../ignore-rule.js'
import type { ServerSettings } from '../snapshot.js'
import type { Thresholds } from '../thresholds.js'
import type { Timeline } from '../timeline/timeline.js'

/** What a detector over time gets: the timeline so far, as data; time is the latest sample's. */
export interface TimelineDetectorInput {
  readonly timeline: Timeline
  readonly settings: ServerSettings
  readonly thresholds: Thresholds
  readonly ignore: readonly IgnoreRule[]
}
