// The detectors over PgBouncer's view: pure functions of the pooler timeline.
import type { Finding } from '../../finding.js'
import { detectPoolerClientGrowth } from './pooler-client-growth.js'
import { detectPoolerExhaustion } from './pooler-exhaustion.js'
import type { PoolerDetectorInput } from './pooler-input.js'
import { detectPoolerSizing } from './pooler-sizing.js'

export type PoolerDetector = (input: PoolerDetectorInput) => Finding[]

export const POOLER_DETECTORS: readonly PoolerDetector[] = [detectPoolerClientGrowth, detectPoolerExhaustion, detectPoolerSizing]

export function runPoolerDetectors(input: PoolerDetectorInput): Finding[] {
  if (input.timeline.isEmpty) return []
  return POOLER_DETECTORS.flatMap((detect) => detect(input))
}

export type { PoolerDetectorInput } from './pooler-input.js'
