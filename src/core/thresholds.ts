/** The lines at which a detector reports; every one has a flag. */
export interface Thresholds {
  /** Seconds a session may stay idle in transaction before it is reported. (Default: 30.) */
  readonly idleInTransactionSeconds: number
  /** Percent of a limit in use at which `headroom` warns. (Default: 75.) */
  readonly headroomWarningPercent: number
  /** Percent of a limit in use at which `headroom` is an error. (Default: 90.) */
  readonly headroomErrorPercent: number
}

export const DEFAULT_THRESHOLDS: Thresholds = Object.freeze({
  idleInTransactionSeconds: 30,
  headroomWarningPercent: 75,
  headroomErrorPercent: 90,
})
