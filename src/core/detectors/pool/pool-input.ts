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
  /** The server's usable connection slots: live from its settings, offline from `--max-connections`. */
  readonly usableSlots?: number
  /** `--pool-size 5+10`: the size of pools whose logs do not say. */
  readonly assumedPoolSize?: PoolSizeSpec
}

/** A pool's size and overflow (SQLAlchemy pool_size + max_overflow; max and 0 elsewhere). */
export interface PoolSizeSpec {
  readonly size: number
  readonly overflow: number
}
