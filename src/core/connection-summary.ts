// The figures behind the usage bar and the group table of a report.
import { backendRole, isClientBackend, isIdleInTransaction, isListenSession, type Backend } from './backend.js'
import { secondsBetween } from './describe-backend.js'
import { groupKeyId, groupKeyOf, type GroupDimension, type GroupKey } from './grouping.js'
import { isIgnored, type IgnoreRule } from './ignore-rule.js'
import { usableSlots, type ServerSettings, type Snapshot } from './snapshot.js'
import { compareText } from './compare-text.js'

export interface GroupSummary {
  readonly key: GroupKey
  readonly total: number
  readonly active: number
  readonly idle: number
  readonly idleInTransaction: number
  /** Hidden rows (no privilege to see their state) and rare states. */
  readonly other: number
  /** Idle sessions whose last statement was LISTEN: held open on purpose. */
  readonly listening: number
  readonly oldestTransactionSeconds: number | null
  readonly oldestConnectionSeconds: number | null
}

/** A role's or database's CONNECTION LIMIT and how much of it is used. */
export interface LimitUsage {
  readonly scope: 'role' | 'database'
  readonly name: string
  readonly connections: number
  readonly limit: number
}

export interface ConnectionSummary {
  /** Client connections, pgleak's own left out; includes ignored and hidden ones, since they take slots too. */
  readonly clientConnections: number
  readonly usableSlots: number
  readonly maxConnections: number
  /** Client rows the polling role could not see in full. */
  readonly hiddenClientConnections: number
  /** Other rows the polling role could not see (probably background processes). */
  readonly hiddenOtherBackends: number
  readonly walsenders: number
  /** Background processes by backend_type. */
  readonly backgroundByType: Readonly<Record<string, number>>
  readonly ignoredConnections: number
  readonly listeningConnections: number
  readonly groups: readonly GroupSummary[]
  /** Role and database connection limits that have sessions. */
  readonly limits: readonly LimitUsage[]
}

function maxOrNull(values: readonly (number | null)[]): number | null {
  let max: number | null = null
  for (const value of values) if (value !== null && (max === null || value > max)) max = value
  return max === null ? null : Math.round(max)
}

/** Client backends that are not ignored, by the id of their group. */
export function countedClients(backends: readonly Backend[], ignore: readonly IgnoreRule[]): Backend[] {
  return backends.filter((b) => isClientBackend(b) && !isIgnored(b, ignore))
}

/** Backends by the id of their group under `groupBy`. */
export function groupMembers(backends: readonly Backend[], groupBy: readonly GroupDimension[]): Map<string, { key: GroupKey; backends: Backend[] }> {
  const members = new Map<string, { key: GroupKey; backends: Backend[] }>()
  for (const backend of backends) {
    const key = groupKeyOf(backend, groupBy)
    const id = groupKeyId(key, groupBy)
    const group = members.get(id) ?? { key, backends: [] }
    group.backends.push(backend)
    members.set(id, group)
  }
  return members
}

export type GroupMembers = ReadonlyMap<string, { readonly key: GroupKey; readonly backends: readonly Backend[] }>

const clientGroupsOf = new WeakMap<Snapshot, { ignore: readonly IgnoreRule[]; groupBy: readonly GroupDimension[]; groups: GroupMembers }>()

/**
 * A snapshot's counted client backends by group: worked out once per snapshot, since the detectors
 * of each poll ask for the same grouping of every connection.
 */
export function clientGroups(snapshot: Snapshot, ignore: readonly IgnoreRule[], groupBy: readonly GroupDimension[]): GroupMembers {
  const cached = clientGroupsOf.get(snapshot)
  if (cached && cached.ignore === ignore && cached.groupBy === groupBy) return cached.groups
  const groups = groupMembers(countedClients(snapshot.backends, ignore), groupBy)
  clientGroupsOf.set(snapshot, { ignore, groupBy, groups })
  return groups
}

export function summarizeGroup(key: GroupKey, members: readonly Backend[], nowMillis: number): GroupSummary {
  const count = (predicate: (b: Backend) => boolean): number => members.filter(predicate).length
  const active = count((b) => b.state === 'active')
  const idle = count((b) => b.state === 'idle')
  const idleInTransaction = count(isIdleInTransaction)
  return {
    key,
    total: members.length,
    active,
    idle,
    idleInTransaction,
    other: members.length - active - idle - idleInTransaction,
    listening: count(isListenSession),
    oldestTransactionSeconds: maxOrNull(members.map((b) => secondsBetween(b.xactStartMillis, nowMillis))),
    oldestConnectionSeconds: maxOrNull(members.map((b) => secondsBetween(b.backendStartMillis, nowMillis))),
  }
}

export function summarizeConnections(
  snapshot: Snapshot,
  settings: ServerSettings,
  groupBy: readonly GroupDimension[],
  ignore: readonly IgnoreRule[],
): ConnectionSummary {
  const clients = snapshot.backends.filter(isClientBackend)
  const counted = countedClients(clients, ignore)
  const backgroundByType: Record<string, number> = {}
  let walsenders = 0
  let hiddenOtherBackends = 0
  for (const backend of snapshot.backends) {
    const role = backendRole(backend)
    if (role === 'walsender') walsenders++
    else if (role === 'hidden-background') hiddenOtherBackends++
    else if (role === 'background') {
      const type = backend.backendType ?? 'unknown'
      backgroundByType[type] = (backgroundByType[type] ?? 0) + 1
    }
  }

  const groups = [...groupMembers(counted, groupBy).values()]
    .map(({ key, backends }) => summarizeGroup(key, backends, snapshot.sampledAtMillis))
    .sort((a, b) => b.total - a.total || compareText(JSON.stringify(a.key), JSON.stringify(b.key)))

  const limits: LimitUsage[] = []
  for (const [name, limit] of Object.entries(settings.roleConnectionLimits)) {
    const connections = clients.filter((b) => b.user === name).length
    if (connections > 0) limits.push({ scope: 'role', name, connections, limit })
  }
  for (const [name, limit] of Object.entries(settings.databaseConnectionLimits)) {
    const connections = clients.filter((b) => b.database === name).length
    if (connections > 0) limits.push({ scope: 'database', name, connections, limit })
  }

  return {
    clientConnections: clients.length,
    usableSlots: usableSlots(settings),
    maxConnections: settings.maxConnections,
    hiddenClientConnections: clients.filter((b) => backendRole(b) === 'hidden-client').length,
    hiddenOtherBackends,
    walsenders,
    backgroundByType,
    ignoredConnections: clients.length - counted.length,
    listeningConnections: counted.filter(isListenSession).length,
    groups,
    limits,
  }
}
