import type { Snapshot } from '../../snapshot.js'
import type { PoolLedger } from '../../pool-ledger.js'
import type { Thresholds } from '../../thresholds.js'

/** What a pool-log detector gets: the ledger, the time to judge at, and (live) what the server shows. */
export interface PoolDetectorInput {
  readonly ledger: PoolLedger
  readonly thresholds: Thresholds
  /** "Now": the last event's time offline, the server's clock live. */
  readonly nowMillis: number | null
  /** The latest snapshot when watching live: joins checkouts to server sessions by pid. */
  readonly snapshot?: Snapshot
}
