import { backendRole, isClientBackend, type Backend } from '../backend.js'
import { NO_SUBJECT, type HeadroomFinding, type Severity } from '../finding.js'
import { usableSlots } from '../snapshot.js'
import type { DetectorInput } from './detector-input.js'

interface Usage {
  readonly connections: number
  readonly hidden: number
  readonly limit: number
}

function severityFor(usage: Usage, input: DetectorInput): Severity | undefined {
  if (usage.limit <= 0) return usage.connections > 0 ? 'error' : undefined
  const percent = (usage.connections / usage.limit) * 100
  if (percent >= input.thresholds.headroomErrorPercent) return 'error'
  if (percent >= input.thresholds.headroomWarningPercent) return 'warning'
  return undefined
}

function usageOf(clients: readonly Backend[], limit: number): Usage {
  return { connections: clients.length, hidden: clients.filter((b) => backendRole(b) === 'hidden-client').length, limit }
}

function evidence(scope: HeadroomFinding['evidence']['scope'], usage: Usage): HeadroomFinding['evidence'] {
  return {
    scope,
    connections: usage.connections,
    limit: usage.limit,
    usagePercent: usage.limit > 0 ? Math.round((usage.connections / usage.limit) * 1000) / 10 : 100,
    freeSlots: Math.max(0, usage.limit - usage.connections),
    hiddenConnections: usage.hidden,
  }
}

/**
 * Client connections near the usable slots, or near a role's or database's
 * CONNECTION LIMIT. pgleak's own session is already left out; walsenders and
 * background workers have slots of their own and are not counted.
 */
export function detectHeadroom(input: DetectorInput): HeadroomFinding[] {
  const clients = input.snapshot.backends.filter(isClientBackend)
  const findings: HeadroomFinding[] = []

  const server = usageOf(clients, usableSlots(input.settings))
  const serverSeverity = severityFor(server, input)
  if (serverSeverity) {
    const e = evidence('server', server)
    findings.push({
      kind: 'headroom',
      severity: serverSeverity,
      title: `${e.connections} of ${e.limit} usable connection slots in use (${e.usagePercent}%)`,
      subject: NO_SUBJECT,
      pids: [],
      evidence: e,
      advice:
        `Only ${e.freeSlots} slots are left before ordinary roles get "FATAL: sorry, too many clients already". ` +
        'Find the application holding the most connections in the table; keep processes x (pool size + overflow) under the usable slots, ' +
        'close pools and engines you no longer use, or put PgBouncer in front. Raising max_connections needs a restart and costs memory per slot.',
    })
  }

  for (const [role, limit] of Object.entries(input.settings.roleConnectionLimits)) {
    const usage = usageOf(clients.filter((b) => b.user === role), limit)
    const severity = usage.connections > 0 ? severityFor(usage, input) : undefined
    if (!severity) continue
    const e = evidence('role', usage)
    findings.push({
      kind: 'headroom',
      severity,
      title: `role ${role} uses ${e.connections} of its ${e.limit} connections (${e.usagePercent}%)`,
      subject: { ...NO_SUBJECT, user: role },
      pids: [],
      evidence: e,
      advice: `Role ${role} has CONNECTION LIMIT ${limit}; past it, new sessions fail with "too many connections for role". Reduce its pool sizes, or raise the limit: ALTER ROLE ${role} CONNECTION LIMIT ${Math.max(limit * 2, limit + 10)};`,
    })
  }

  for (const [database, limit] of Object.entries(input.settings.databaseConnectionLimits)) {
    const usage = usageOf(clients.filter((b) => b.database === database), limit)
    const severity = usage.connections > 0 ? severityFor(usage, input) : undefined
    if (!severity) continue
    const e = evidence('database', usage)
    findings.push({
      kind: 'headroom',
      severity,
      title: `database ${database} has ${e.connections} of its ${e.limit} connections (${e.usagePercent}%)`,
      subject: { ...NO_SUBJECT, database },
      pids: [],
      evidence: e,
      advice: `Database ${database} has CONNECTION LIMIT ${limit}; past it, new sessions fail with "too many connections for database". Reduce the pools that use it, or raise the limit: ALTER DATABASE ${database} CONNECTION LIMIT ${Math.max(limit * 2, limit + 10)};`,
    })
  }
  return findings
}
