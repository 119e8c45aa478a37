/** The lines at which a detector reports; every one has a flag. */
export interface Thresholds {
  /** Seconds a session may stay idle in transaction before it is reported. (Default: 30.) */
  readonly idleInTransactionSeconds: number
  /** Percent of a limit in use at which `headroom` warns. (Default: 75.) */
  readonly headroomWarningPercent: number
  /** Percent of a limit in use at which `headroom` is an error. (Default: 90.) */
  readonly headroomErrorPercent: number
  /** Connections closed per minute, per group, at which short-lived connections are `churn`. (Default: 20.) */
  readonly churnPerMinute: number
  /** Median life below which a group's connections count as short-lived. (Default: 2.) */
  readonly shortLifeSeconds: number
  /** Seconds an idle connection goes unused before it may count as abandoned. (Default: 60.) */
  readonly abandonedAfterSeconds: number
  /** Connections a group's floor must rise by before it is `connection-growth`. (Default: 3.) */
  readonly growthMinConnections: number
  /** Seconds a checkout may stay out before a pool log counts it as not returned. (Default: 5.) */
  readonly unreturnedAfterSeconds: number
  /** Seconds a returned checkout must have been held to count as a long hold. (Default: 10.) */
  readonly longHoldSeconds: number
}

export const DEFAULT_THRESHOLDS: Thresholds = Object.freeze({
  idleInTransactionSeconds: 30,
  headroomWarningPercent: 75,
  headroomErrorPercent: 90,
  churnPerMinute: 20,
  shortLifeSeconds: 2,
  abandonedAfterSeconds: 60,
  growthMinConnections: 3,
  unreturnedAfterSeconds: 5,
  longHoldSeconds: 10,
})

/**
 * A gate's thresholds: it fails on what it was told to look for, so usage warns only where it is an
 * error, and a test run is short, so a connection unused for 10 s already counts as abandoned.
 */
export const CHECK_THRESHOLDS: Thresholds = Object.freeze({
  ...DEFAULT_THRESHOLDS,
  headroomWarningPercent: DEFAULT_THRESHOLDS.headroomErrorPercent,
  abandonedAfterSeconds: 10,
})

/** Thresholds put together from several places, with `headroom`'s warning never above its error. */
export function consistentThresholds(thresholds: Thresholds): Thresholds {
  return thresholds.headroomWarningPercent <= thresholds.headroomErrorPercent ? thresholds : { ...thresholds, headroomWarningPercent: thresholds.headroomErrorPercent }
}

export type JudgingCommand = 'audit' | 'watch' | 'check' | 'analyze'

/**
 * The one place thresholds are decided, for every command: the command's defaults, then what a
 * recording carried (analyze), then what the user gave (flags or a config file). A gate warns on
 * usage only where it fails, unless a warning level was given.
 */
export function thresholdsFor(command: JudgingCommand, given: Partial<Thresholds> = {}, recorded?: Partial<Thresholds>): Thresholds {
  const merged: Thresholds = { ...(command === 'check' ? CHECK_THRESHOLDS : DEFAULT_THRESHOLDS), ...recorded, ...given }
  const gateWarning = command === 'check' && given.headroomWarningPercent === undefined ? { headroomWarningPercent: merged.headroomErrorPercent } : {}
  return consistentThresholds({ ...merged, ...gateWarning })
}
