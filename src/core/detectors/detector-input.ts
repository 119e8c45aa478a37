import type { GroupDimension } from '../grouping.js'
import type { IgnoreRule } from '../ignore-rule.js'
import type { ServerSettings, Snapshot } from '../snapshot.js'
import type { Thresholds } from '../thresholds.js'

/** What every detector gets: data only, no connection, no clock but the snapshot's. */
export interface DetectorInput {
  readonly snapshot: Snapshot
  readonly settings: ServerSettings
  readonly thresholds: Thresholds
  /** Sessions long on purpose: left out of per-session findings, still counted against the slots. */
  readonly ignore: readonly IgnoreRule[]
  /** How findings name who holds connections (`--group-by`). */
  readonly groupBy: readonly GroupDimension[]
}
