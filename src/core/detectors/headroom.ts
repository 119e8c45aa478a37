import { backendRole, isClientBackend, type Backend } from '../backend.js'
import { terminateSql } from '../cleanup-sql.js'
import { clientGroups, countedClients } from '../connection-summary.js'
import { NO_SUBJECT, type HeadroomEvidence, type HeadroomFinding, type Severity } from '../finding.js'
import { connectionHolders, describeHolders, dominantHolder, holdersOf, type ConnectionHolder } from '../holders.js'
import { PGLEAK_OWN_CONNECTIONS, usableSlots } from '../snapshot.js'
import type { DetectorInput } from './detector-input.js'

interface Usage {
  readonly connections: number
  /** Slots taken by pgleak itself (server scope only). */
  readonly own: number
  readonly hidden: number
  readonly limit: number
  readonly holders: readonly ConnectionHolder[]
}

type Counts = Omit<Usage, 'holders'>

function severityFor(usage: Counts, input: DetectorInput): Severity | undefined {
  const taken = usage.connections + usage.own
  if (usage.limit <= 0) return usage.connections > 0 ? 'error' : undefined
  const percent = (taken / usage.limit) * 100
  if (percent >= input.thresholds.headroomErrorPercent) return 'error'
  if (percent >= input.thresholds.headroomWarningPercent) return 'warning'
  return undefined
}

/**
 * The usage of a limit, with who holds it, when it is near enough to be a finding. The holders
 * (a grouping of every connection) are worked out only then: a poll of a healthy server of
 * 1,000 connections would otherwise group them all for nothing.
 */
function usageNearLimit(
  clients: readonly Backend[],
  limit: number,
  own: number,
  input: DetectorInput,
  holders: () => ConnectionHolder[],
): { usage: Usage; severity: Severity } | undefined {
  if (clients.length === 0 && own === 0) return undefined
  const counts: Counts = { connections: clients.length, own, hidden: clients.filter((b) => backendRole(b) === 'hidden-client').length, limit }
  const severity = severityFor(counts, input)
  if (!severity) return undefined
  return { usage: { ...counts, holders: holders() }, severity }
}

function evidence(scope: HeadroomEvidence['scope'], usage: Usage): HeadroomEvidence {
  const taken = usage.connections + usage.own
  return {
    scope,
    connections: usage.connections,
    ownConnections: usage.own,
    limit: usage.limit,
    usagePercent: usage.limit > 0 ? Math.round((taken / usage.limit) * 1000) / 10 : 100,
    freeSlots: Math.max(0, usage.limit - taken),
    isFull: taken >= usage.limit,
    hiddenConnections: usage.hidden,
    holders: usage.holders,
  }
}

/** Who the finding is about, and what the advice says of the holders and how to free their slots now. */
function holdersAdvice(usage: Usage): { subject: HeadroomFinding['subject']; top: ConnectionHolder | undefined; text: string } {
  const top = dominantHolder(usage.holders, usage.connections)
  if (usage.holders.length === 0) return { subject: NO_SUBJECT, top, text: '' }
  const held = `Held by ${describeHolders(usage.holders)}.`
  if (!top) return { subject: NO_SUBJECT, top, text: `${held} No one group holds most of them: the sum of the pools is too big for the server.` }
  const states = [...(top.idle > 0 ? ['idle'] : []), ...(top.idleInTransaction > 0 ? ['idle in transaction'] : [])]
  const cleanup = states.length > 0 ? ` To free ${top.group}'s slots now, as a superuser: ${terminateSql(top.subject, states)}` : ''
  return {
    subject: top.subject,
    top,
    text: `${held} ${top.group} holds ${top.connections} of them${top.idle > 0 ? `, ${top.idle} idle` : ''}: where pgleak also reports a leak of ${top.group} (abandoned-connections, connection-growth, idle-in-transaction), fix that; where it reports none, its pools are bigger than the server.${cleanup}`,
  }
}

/**
 * Client connections near the usable slots, or near a role's or database's
 * CONNECTION LIMIT, with who holds them. pgleak's own session takes a usable
 * slot too; walsenders and background workers have slots of their own and
 * are not counted.
 */
export function detectHeadroom(input: DetectorInput): HeadroomFinding[] {
  const clients = input.snapshot.backends.filter(isClientBackend)
  const findings: HeadroomFinding[] = []

  const now = input.snapshot.sampledAtMillis
  const holdersOfSome = (some: readonly Backend[]) => () => connectionHolders(countedClients(some, input.ignore), input.groupBy, now)
  const near = usageNearLimit(clients, usableSlots(input.settings), PGLEAK_OWN_CONNECTIONS, input, () => holdersOf(clientGroups(input.snapshot, input.ignore, input.groupBy), now))
  if (near) {
    const { usage: server, severity: serverSeverity } = near
    const e = evidence('server', server)
    const holders = holdersAdvice(server)
    const top = holders.top ? ` (${holders.top.group} holds ${holders.top.connections})` : ''
    findings.push({
      kind: 'headroom',
      severity: serverSeverity,
      title: e.isFull
        ? `the server is full: ${e.connections} connections and pgleak's own take all ${e.limit} usable slots${top}`
        : `${e.connections + e.ownConnections} of ${e.limit} usable connection slots in use (${e.usagePercent}%)${top}`,
      subject: holders.subject,
      pids: [],
      evidence: e,
      advice:
        (e.isFull
          ? 'Ordinary roles are being refused now ("FATAL: sorry, too many clients already" or "remaining connection slots are reserved"). '
          : `Only ${e.freeSlots} slots are left before ordinary roles get "FATAL: sorry, too many clients already". `) +
        `${holders.text} ` +
        'Keep processes x (pool size + overflow) under the usable slots, close pools and engines you no longer use, or put PgBouncer in front. Raising max_connections needs a restart and costs memory per slot.',
    })
  }

  for (const [role, limit] of Object.entries(input.settings.roleConnectionLimits)) {
    const ofRole = clients.filter((b) => b.user === role)
    const near = usageNearLimit(ofRole, limit, 0, input, holdersOfSome(ofRole))
    if (!near) continue
    const { usage, severity } = near
    const e = evidence('role', usage)
    findings.push({
      kind: 'headroom',
      severity,
      title: `role ${role} uses ${e.connections} of its ${e.limit} connections (${e.usagePercent}%)`,
      subject: { ...NO_SUBJECT, user: role },
      pids: [],
      evidence: e,
      advice: `Role ${role} has CONNECTION LIMIT ${limit}; past it, new sessions fail with "too many connections for role". ${holdersAdvice(usage).text} Reduce its pool sizes, or raise the limit: ALTER ROLE ${role} CONNECTION LIMIT ${Math.max(limit * 2, limit + 10)};`,
    })
  }

  for (const [database, limit] of Object.entries(input.settings.databaseConnectionLimits)) {
    const ofDatabase = clients.filter((b) => b.database === database)
    const near = usageNearLimit(ofDatabase, limit, 0, input, holdersOfSome(ofDatabase))
    if (!near) continue
    const { usage, severity } = near
    const e = evidence('database', usage)
    findings.push({
      kind: 'headroom',
      severity,
      title: `database ${database} has ${e.connections} of its ${e.limit} connections (${e.usagePercent}%)`,
      subject: { ...NO_SUBJECT, database },
      pids: [],
      evidence: e,
      advice: `Database ${database} has CONNECTION LIMIT ${limit}; past it, new sessions fail with "too many connections for database". ${holdersAdvice(usage).text} Reduce the pools that use it, or raise the limit: ALTER DATABASE ${database} CONNECTION LIMIT ${Math.max(limit * 2, limit + 10)};`,
    })
  }
  return findings
}
