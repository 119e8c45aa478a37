// The detectors over pool and server logs: pure functions of the ledger.
import type { Finding } from '../../finding.js'
import { detectMultiplePools } from './multiple-pools.js'
import { detectLogChurn } from './pool-churn.js'
import { detectPoolExhaustion } from './pool-exhaustion.js'
import { detectPoolImbalance } from './pool-imbalance.js'
import { detectPoolLogSizing } from './pool-log-sizing.js'
import type { PoolDetectorInput } from './pool-input.js'

export type PoolDetector = (input: PoolDetectorInput) => Finding[]

export const POOL_DETECTORS: readonly PoolDetector[] = [detectPoolImbalance, detectPoolExhaustion, detectMultiplePools, detectLogChurn, detectPoolLogSizing]

export function runPoolDetectors(input: PoolDetectorInput): Finding[] {
  return POOL_DETECTORS.flatMap((detect) => detect(input))
}

export type { PoolDetectorInput, PoolSizeSpec } from './pool-input.js'
