// serve's /findings: per target, the contract's JSON document of what `watch`
// would report now, with whether the target is up and why not.
import type { TargetWatch } from '../serve/target-watch.js'
import { PGLEAK_VERSION } from '../version.js'
import { JSON_SCHEMA_VERSION } from './json-document.js'
import { watchJsonDocument } from './watch-summary.js'

export interface TargetFindings {
  readonly target: string
  readonly labels: Readonly<Record<string, string>>
  readonly up: boolean
  readonly error: string | null
  /** The contract's document; null until the target was first reached. */
  readonly document: unknown
}

export function targetDocument(watch: TargetWatch): TargetFindings {
  const result = watch.result()
  return {
    target: watch.target.name,
    labels: watch.target.labels,
    up: watch.isUp,
    error: watch.lastError,
    document: result ? watchJsonDocument(result) : null,
  }
}

export function serveFindingsDocument(watches: readonly TargetWatch[], generatedAt = new Date()): unknown {
  return {
    tool: 'pgleak',
    version: PGLEAK_VERSION,
    schema: JSON_SCHEMA_VERSION,
    generatedAt: generatedAt.toISOString(),
    targets: watches.map(targetDocument),
  }
}
