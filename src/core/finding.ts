// Findings are data: a kind from the contract, a severity, who it is about,
// the evidence in figures, and the advice. Turning them into prose or colour
// is the renderers' job.

export const SEVERITIES = ['info', 'warning', 'error'] as const
export type Severity = (typeof SEVERITIES)[number]

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value)
}

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity)
}

export function isAtLeast(severity: Severity, threshold: Severity): boolean {
  return severityRank(severity) >= severityRank(threshold)
}

/** The contract's finding kinds: public names, never renamed, only added to. */
export const FINDING_KINDS = [
  'headroom',
  'idle-in-transaction',
  'connection-growth',
  'churn',
  'abandoned-connections',
  'pool-imbalance',
  'pool-exhaustion',
  'multiple-pools',
  'config',
  'leftover-connections',
] as const
export type FindingKind = (typeof FINDING_KINDS)[number]

/** Who a finding is about; fields that do not apply are null. */
export interface Subject {
  readonly application: string | null
  readonly user: string | null
  readonly database: string | null
  readonly client: string | null
  readonly pool: string | null
}

export const NO_SUBJECT: Subject = { application: null, user: null, database: null, client: null, pool: null }

export interface HeadroomEvidence {
  /**
   * What the limit bounds: the whole server's usable slots, one role's or one database's CONNECTION LIMIT,
   * or the budget a check was given (--max-connections).
   */
  readonly scope: 'server' | 'role' | 'database' | 'budget'
  readonly connections: number
  readonly limit: number
  readonly usagePercent: number
  readonly freeSlots: number
  /** Rows the polling role could not see, counted as connections (the figure may be low without pg_monitor). */
  readonly hiddenConnections: number
}

export interface IdleInTransactionEvidence {
  /** Seconds since the session went idle inside its transaction (from state_change). */
  readonly ageSeconds: number
  /** Seconds since the transaction began (from xact_start). */
  readonly transactionAgeSeconds: number | null
  readonly state: 'idle in transaction' | 'idle in transaction (aborted)'
  /** Pids of sessions waiting on a lock this session holds. */
  readonly blocking: readonly number[]
  readonly lastQuery: string | null
  /** Transactions this session holds vacuum back by (age of backend_xmin). */
  readonly xminAge: number | null
  readonly connectionAgeSeconds: number | null
}

export interface ConfigEvidence {
  readonly setting: string
  readonly value: string
  readonly suggested: string
}

export interface ConnectionGrowthEvidence {
  /** How fast the group's floor (its lowest count over a trailing window) rises. */
  readonly slopePerMinute: number
  /** How well a steady rise explains the floor, 0 to 1. */
  readonly confidence: number
  /** When the connections that never came back down began to pile up. */
  readonly since: string
  readonly connections: number
  readonly floorConnections: number
  /** How much the floor rose over the window judged. */
  readonly risenBy: number
  readonly windowSeconds: number
  /** Time until the limit below runs out at this rate; null when it never would. */
  readonly etaSeconds: number | null
  /** What runs out: the server's usable slots, or a role's or database's CONNECTION LIMIT. */
  readonly limit: { readonly scope: 'server' | 'role' | 'database'; readonly name: string | null; readonly connections: number; readonly limit: number } | null
}

export interface ChurnEvidence {
  readonly openedPerMinute: number
  readonly closedPerMinute: number
  /** Median life of the connections that closed in the window; null when only the count is known. */
  readonly medianLifeSeconds: number | null
  readonly windowSeconds: number
  /** Polling sees only the connections alive at each poll: the true rates are at least these. */
  readonly isLowerBound: boolean
}

export interface AbandonedConnectionsEvidence {
  /** Idle connections not used since pgleak first saw them, for longer than the threshold. */
  readonly abandonedConnections: number
  readonly oldestIdleSeconds: number
  /** Connections the same group opened in the window, while those sat unused. */
  readonly openedInWindow: number
  readonly windowSeconds: number
  readonly lastQuery: string | null
}

export interface LeftoverSession {
  readonly pid: number
  readonly application: string | null
  readonly user: string | null
  readonly database: string | null
  readonly client: string | null
  readonly state: string | null
  readonly ageSeconds: number | null
  readonly lastQuery: string | null
}

export interface LeftoverConnectionsEvidence {
  readonly connections: number
  /** How long pgleak waited after the command ended for them to close. */
  readonly settleSeconds: number
  readonly sessions: readonly LeftoverSession[]
}

export interface UnreturnedCheckout {
  readonly connection: string
  /** The server session behind it (pg_stat_activity.pid), when the log tells it. */
  readonly backendPid: number | null
  readonly since: string | null
  readonly heldSeconds: number | null
  /** Where in the log it was checked out. */
  readonly line: number
  /** The code that checked it out, innermost frame first, when the log has stacks. */
  readonly stack: readonly string[] | null
  readonly thread: string | null
  /** What the server says of that session now, when pgleak watches it live. */
  readonly backend: { readonly state: string | null; readonly stateSeconds: number | null; readonly lastQuery: string | null } | null
}

/** A checkout the garbage collector ended, not the application (SQLAlchemy's async pools log it). */
export interface CollectedCheckout {
  readonly connection: string
  readonly backendPid: number | null
  /** When it was checked out, and how long until the collector found it. */
  readonly since: string | null
  readonly heldSeconds: number | null
  /** Where in the log it was checked out, and where the collector's warning is. */
  readonly line: number
  readonly collectedLine: number
  readonly stack: readonly string[] | null
  readonly thread: string | null
}

export interface PoolImbalanceEvidence {
  readonly pool: string
  readonly library: string
  readonly unreturnedCount: number
  readonly unreturned: readonly UnreturnedCheckout[]
  /** Checkouts never returned that the garbage collector found (and ended) later. */
  readonly collectedCount: number
  readonly collected: readonly CollectedCheckout[]
  readonly checkouts: number
  readonly checkins: number
  readonly medianHoldSeconds: number | null
  /** Checkouts that came back, but after far longer than the rest. */
  readonly longHolds: readonly { readonly connection: string; readonly heldSeconds: number; readonly line: number; readonly stack: readonly string[] | null }[]
}

export interface PoolExhaustionEvidence {
  readonly pool: string | null
  readonly library: string
  readonly timeouts: number
  readonly tooManyClients: number
  readonly first: string | null
  readonly last: string | null
  readonly firstLine: number
  readonly poolSize: number | null
  readonly maxOverflow: number | null
  readonly timeoutSeconds: number | null
  readonly text: string | null
}

export interface MultiplePoolsEvidence {
  readonly library: string
  /** Pools seen, where the log names them apart. */
  readonly pools: number
  readonly connectionsCreated: number
  readonly connectionsClosed: number
  readonly stillOpen: number
  /** Connections created while the pool had idle ones it would have reused. */
  readonly createdWhileIdle: number
  readonly checkouts: number
  readonly checkins: number
}

interface FindingOf<K extends FindingKind, E> {
  readonly kind: K
  readonly severity: Severity
  readonly title: string
  readonly subject: Subject
  readonly pids: readonly number[]
  readonly evidence: E
  readonly advice: string
}

export type HeadroomFinding = FindingOf<'headroom', HeadroomEvidence>
export type IdleInTransactionFinding = FindingOf<'idle-in-transaction', IdleInTransactionEvidence>
export type ConfigFinding = FindingOf<'config', ConfigEvidence>
export type ConnectionGrowthFinding = FindingOf<'connection-growth', ConnectionGrowthEvidence>
export type ChurnFinding = FindingOf<'churn', ChurnEvidence>
export type AbandonedConnectionsFinding = FindingOf<'abandoned-connections', AbandonedConnectionsEvidence>
export type LeftoverConnectionsFinding = FindingOf<'leftover-connections', LeftoverConnectionsEvidence>
export type PoolImbalanceFinding = FindingOf<'pool-imbalance', PoolImbalanceEvidence>
export type PoolExhaustionFinding = FindingOf<'pool-exhaustion', PoolExhaustionEvidence>
export type MultiplePoolsFinding = FindingOf<'multiple-pools', MultiplePoolsEvidence>

export type Finding =
  | HeadroomFinding
  | IdleInTransactionFinding
  | ConfigFinding
  | ConnectionGrowthFinding
  | ChurnFinding
  | AbandonedConnectionsFinding
  | LeftoverConnectionsFinding
  | PoolImbalanceFinding
  | PoolExhaustionFinding
  | MultiplePoolsFinding

/** Worst first; then in the contract's order of kinds; then by title, so output is stable. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      FINDING_KINDS.indexOf(a.kind) - FINDING_KINDS.indexOf(b.kind) ||
      a.title.localeCompare(b.title),
  )
}


