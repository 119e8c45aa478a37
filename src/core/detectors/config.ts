import { isClientBackend, isIdleInTransaction } from '../backend.js'
import { secondsBetween } from '../describe-backend.js'
import { formatDuration, formatPostgresInterval } from '../duration.js'
import { NO_SUBJECT, type ConfigFinding } from '../finding.js'
import type { DetectorInput } from './detector-input.js'

const SUGGESTION_STEPS_SECONDS = [60, 120, 300, 600, 900, 1800, 3600]

/**
 * A timeout above the transactions that idle briefly in normal work (twice
 * the longest short one seen, rounded up to a value people write), so that
 * setting it ends the leaked ones without cutting the healthy ones.
 */
function suggestTimeoutSeconds(longestHealthySeconds: number): number {
  const wanted = longestHealthySeconds * 2
  return SUGGESTION_STEPS_SECONDS.find((step) => step >= wanted) ?? SUGGESTION_STEPS_SECONDS.at(-1)!
}

/** Settings that let leaks go unbounded or unnoticed. */
export function detectConfig(input: DetectorInput): ConfigFinding[] {
  const { settings, snapshot, thresholds } = input
  const findings: ConfigFinding[] = []

  if (settings.idleInTransactionSessionTimeoutMillis === 0) {
    const ages = snapshot.backends
      .filter((b) => isClientBackend(b) && isIdleInTransaction(b))
      .map((b) => secondsBetween(b.stateChangeMillis, snapshot.sampledAtMillis) ?? 0)
    const leaked = ages.filter((age) => age >= thresholds.idleInTransactionSeconds)
    const healthy = ages.filter((age) => age < thresholds.idleInTransactionSeconds)
    const suggested = formatPostgresInterval(suggestTimeoutSeconds(Math.max(0, ...healthy)))
    findings.push({
      kind: 'config',
      severity: leaked.length > 0 ? 'warning' : 'info',
      title: 'idle_in_transaction_session_timeout is 0: a session left idle in a transaction is never ended',
      subject: NO_SUBJECT,
      pids: [],
      evidence: { setting: 'idle_in_transaction_session_timeout', value: '0', suggested },
      advice:
        (leaked.length > 0 ? `${leaked.length} session${leaked.length === 1 ? ' is' : 's are'} idle in transaction past ${formatDuration(thresholds.idleInTransactionSeconds)} right now. ` : '') +
        `Bound them: ALTER ROLE <app_role> SET idle_in_transaction_session_timeout = '${suggested}'; (new sessions of that role), ` +
        `or server-wide: ALTER SYSTEM SET idle_in_transaction_session_timeout = '${suggested}'; SELECT pg_reload_conf();`,
    })
  }

  if (settings.superuserReservedConnections === 0) {
    findings.push({
      kind: 'config',
      severity: 'info',
      title: 'superuser_reserved_connections is 0: nobody can get in to diagnose a full server',
      subject: NO_SUBJECT,
      pids: [],
      evidence: { setting: 'superuser_reserved_connections', value: '0', suggested: '3' },
      advice: 'When the slots run out, not even a superuser can connect to see why. Keep a few reserved: ALTER SYSTEM SET superuser_reserved_connections = 3; (needs a restart).',
    })
  }
  return findings
}
