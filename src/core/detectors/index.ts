// The detectors, each a pure function of its input; a new detector is one
// file here plus a line in one of these lists. Snapshot detectors judge one
// poll; timeline detectors judge how things move, and run the same live, in
// CI and on a recording.
import type { Finding } from '../finding.js'
import { detectAbandonedConnections } from './abandoned-connections.js'
import { detectChurn } from './churn.js'
import { detectConfig } from './config.js'
import { detectConnectionGrowth } from './connection-growth.js'
import type { DetectorInput } from './detector-input.js'
import { detectHeadroom } from './headroom.js'
import { detectIdleInTransaction } from './idle-in-transaction.js'
import { detectPoolSizing } from './pool-sizing.js'
import type { TimelineDetectorInput } from './timeline-input.js'

export type SnapshotDetector = (input: DetectorInput) => Finding[]
export type TimelineDetector = (input: TimelineDetectorInput) => Finding[]

export const SNAPSHOT_DETECTORS: readonly SnapshotDetector[] = [detectHeadroom, detectIdleInTransaction, detectAbandonedConnections, detectConfig]
export const TIMELINE_DETECTORS: readonly TimelineDetector[] = [detectConnectionGrowth, detectChurn, detectPoolSizing]

/** The snapshot detectors' input for the latest sample of a timeline. */
export function latestSampleInput(input: TimelineDetectorInput): DetectorInput | undefined {
  const latest = input.timeline.latest
  return latest ? { snapshot: latest, settings: input.settings, thresholds: input.thresholds, ignore: input.ignore, groupBy: input.timeline.groupBy } : undefined
}

export function runSnapshotDetectors(input: DetectorInput): Finding[] {
  return SNAPSHOT_DETECTORS.flatMap((detect) => detect(input))
}

/** Every detector: the snapshot ones on the latest poll, the timeline ones on the whole timeline. */
export function runTimelineDetectors(input: TimelineDetectorInput): Finding[] {
  const latest = latestSampleInput(input)
  if (!latest) return []
  const snapshotFindings = runSnapshotDetectors(latest)
  return [...snapshotFindings, ...TIMELINE_DETECTORS.flatMap((detect) => detect(input))]
}

export type { DetectorInput } from './detector-input.js'
export type { TimelineDetectorInput } from './timeline-input.js'
