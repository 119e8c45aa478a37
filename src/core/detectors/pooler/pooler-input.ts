import type { PoolerTimeline } from '../../pooler-timeline.js'

/** What a pooler detector gets: the poolers' recent looks, and the server's usable slots when known. */
export interface PoolerDetectorInput {
  readonly timeline: PoolerTimeline
  readonly usableSlots?: number
}
