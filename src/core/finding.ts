// Findings are data: a kind from the contract, a severity, who it is about,
// the evidence in figures, and the advice. Turning them into prose or colour
// is the renderers' job.

import type { PoolerClientSide } from './pooler.js'
import { compareText } from './compare-text.js'

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
  'pool-sizing',
  'pooler-client-growth',
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

/** One group's share of the connections a capacity finding is about. */
export interface ConnectionHolderEvidence {
  /** The group as findings name it (`api`, or `api (user app)`). */
  readonly group: string
  readonly subject: Subject
  readonly connections: number
  readonly idle: number
  readonly idleInTransaction: number
  readonly active: number
  readonly openedLastMinute: number
}

export interface HeadroomEvidence {
  /**
   * What the limit bounds: the whole server's usable slots, one role's or one database's CONNECTION LIMIT,
   * or the budget a check was given (--max-connections).
   */
  readonly scope: 'server' | 'role' | 'database' | 'budget'
  /** Client connections, pgleak's own left out. */
  readonly connections: number
  /** Slots pgleak's own session takes (1 for the server's usable slots, else 0): counted in the percentage and the free slots. */
  readonly ownConnections: number
  readonly limit: number
  readonly usagePercent: number
  readonly freeSlots: number
  /** No slot left: ordinary roles are being refused now. */
  readonly isFull: boolean
  /** Rows the polling role could not see, counted as connections (the figure may be low without pg_monitor). */
  readonly hiddenConnections: number
  /** Who holds the connections, most first (at most ten groups). */
  readonly holders: readonly ConnectionHolderEvidence[]
}

/** One session idle in its transaction past the threshold. */
export interface SessionIdleInTransactionEvidence {
  readonly scope: 'session'
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

/**
 * Sessions of one group piling up idle in transaction: checkouts never returned (a scoped_session
 * never removed, a client not released on an error path), named long before any one of them passes
 * the per-session threshold.
 */
export interface GroupIdleInTransactionEvidence {
  readonly scope: 'group'
  readonly sessions: number
  /** The oldest one's idle time. */
  readonly ageSeconds: number
  /** The idle time all the counted sessions have reached: what the verdict rests on. */
  readonly minAgeSeconds: number
  /** How many of them went idle in transaction within the last 10 seconds. */
  readonly newInLast10Seconds: number
  readonly blocking: readonly number[]
  readonly lastQuery: string | null
}

export type IdleInTransactionEvidence = SessionIdleInTransactionEvidence | GroupIdleInTransactionEvidence

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
  /**
   * The rise has run into `limit` and stays there: the leak goes on, it has nowhere left to go
   * (new connections are being refused). The finding stays until the connections come back down.
   */
  readonly limitReached: boolean
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
  /** Idle connections the group opened more connections after, while they sat unused. */
  readonly abandonedConnections: number
  /** Of them, those used only right after they connected and never since. */
  readonly usedOnceConnections: number
  readonly oldestIdleSeconds: number
  /** The idle time all the counted connections have reached: what the verdict rests on. */
  readonly minIdleSeconds: number
  /** Connections the same group opened after the oldest of them went idle. */
  readonly openedInWindow: number
  readonly windowSeconds: number
  /** Seconds between the first and the last of them being opened. */
  readonly openedOverSeconds: number
  /** The group's connections, all states. */
  readonly groupConnections: number
  /**
   * Seconds since the group's newest connection was opened: 30 or more and it has stopped opening
   * them (its pool full of checkouts never returned, or its traffic gone).
   */
  readonly lastOpenedSecondsAgo: number
  readonly lastQuery: string | null
}

/** `pool-sizing` seen on the server: a group's bursts to the limit that came back down. */
export interface ServerPoolSizingEvidence {
  readonly basis: 'server'
  /** Times the group's bursts took the server to its limit and came back down, in the window. */
  readonly bursts: number
  /** The group's most connections at a burst, and its floor between bursts. */
  readonly peakConnections: number
  readonly floorConnections: number
  /** The server's client connections at the fullest moment, pgleak's own included. */
  readonly serverPeakConnections: number
  readonly usableSlots: number
  /** The group's connections now by client address: its processes apart, when they run on different hosts. */
  readonly clientAddresses: readonly { readonly address: string; readonly connections: number }[]
  readonly windowSeconds: number
}

/** One pool in a `pool-sizing` judged from pool logs. */
export interface SizedPool {
  readonly pool: string
  readonly process: number | null
  /** Its size and overflow, null when the log never said. */
  readonly poolSize: number | null
  readonly maxOverflow: number | null
  /** Where the size came from: the pool's own log, another process's pool of the same library, `--pool-size`, or the most it was seen to open. */
  readonly sizeFrom: 'log' | 'same-library' | 'pool-size-option' | 'peak-seen'
  /** The most connections it can open (size + overflow), or the most it was seen to hold open. */
  readonly canOpen: number
  readonly peakOpen: number
}

/** `pool-sizing` from pool logs: the pools' arithmetic against the server's slots. */
export interface PoolLogSizingEvidence {
  readonly basis: 'pool-logs'
  readonly pools: readonly SizedPool[]
  readonly processes: number
  /** What the pools can open together. */
  readonly canOpen: number
  readonly usableSlots: number
  /** Connections the server refused while the logs ran. */
  readonly refusedConnections: number
}

/** `pool-sizing` at PgBouncer: its pools' sizes against the server's slots. */
export interface PoolerSizingEvidence {
  readonly basis: 'pooler'
  readonly pooler: string
  readonly pools: readonly { readonly pool: string; readonly poolSize: number; readonly reservePool: number; readonly canOpen: number }[]
  readonly canOpen: number
  readonly usableSlots: number
}

export type PoolSizingEvidence = ServerPoolSizingEvidence | PoolLogSizingEvidence | PoolerSizingEvidence

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
  /** At PgBouncer: the pool's clients and servers, and the pooler's client limit. */
  readonly pooler?: PoolerExhaustionFigures
}

export interface PoolerExhaustionFigures {
  readonly pooler: string
  readonly clientsActive: number
  readonly clientsWaiting: number
  readonly maxWaitSeconds: number
  readonly serverConnections: number
  readonly clients: number
  readonly maxClientConn: number
  readonly poolMode: string
}

/** `pooler-client-growth`: one application's clients piling up at PgBouncer while the server sees the pool's few. */
export interface PoolerClientGrowthEvidence {
  readonly pooler: string
  /** The application, else the client address. */
  readonly group: string
  readonly clients: number
  /** Used only right after connecting and idle since, or waiting for a server. */
  readonly stuckClients: number
  readonly waitingClients: number
  readonly riseInWindow: number
  readonly windowSeconds: number
  /** The pooler's server connections for the group's pools: what the server sees. */
  readonly serverConnections: number
  /** All the pooler's application clients, and its limit. */
  readonly pooledClients: number
  readonly maxClientConn: number
  readonly poolMode: string
  readonly clientAddresses: readonly string[]
}

export interface MultiplePoolsEvidence {
  readonly library: string
  /** Pools seen, where the log names them apart. */
  readonly pools: number
  readonly connectionsCreated: number
  readonly connectionsClosed: number
  readonly stillOpen: number
  /** Connections created while others sat unused for 2 s or 20 checkouts: ones a single pool would have handed out. */
  readonly createdWhileIdle: number
  /** The most such unused connections at one creation. */
  readonly strandedConnections: number
  /** Pools of the process created while another of its pools kept idle connections (a pool per test or per call). */
  readonly poolsCreatedBesideIdle: number
  /** The process, when the log names it; null when it does not. */
  readonly process: number | null
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
  /** Behind PgBouncer: the clients at the pooler holding the sessions in `pids`. */
  readonly poolerClients?: readonly PoolerClientSide[]
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
export type PoolSizingFinding = FindingOf<'pool-sizing', PoolSizingEvidence>
export type PoolerClientGrowthFinding = FindingOf<'pooler-client-growth', PoolerClientGrowthEvidence>

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
  | PoolSizingFinding
  | PoolerClientGrowthFinding

/** Worst first; then in the contract's order of kinds; then by title, so output is stable. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      FINDING_KINDS.indexOf(a.kind) - FINDING_KINDS.indexOf(b.kind) ||
      compareText(a.title, b.title),
  )
}


