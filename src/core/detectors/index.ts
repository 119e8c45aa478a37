// The detectors that judge one snapshot. Each is a pure function of its input;
// a new detector is one file here plus a line in this list.
import type { Finding } from '../finding.js'
import { detectConfig } from './config.js'
import type { DetectorInput } from './detector-input.js'
import { detectHeadroom } from './headroom.js'
import { detectIdleInTransaction } from './idle-in-transaction.js'

export type SnapshotDetector = (input: DetectorInput) => Finding[]

export const SNAPSHOT_DETECTORS: readonly SnapshotDetector[] = [detectHeadroom, detectIdleInTransaction, detectConfig]

export function runSnapshotDetectors(input: DetectorInput): Finding[] {
  return SNAPSHOT_DETECTORS.flatMap((detect) => detect(input))
}

export type { DetectorInput } from './detector-input.js'
