// Everything `audit` reports, computed from one snapshot: a pure function, so
// the same report comes from a live server, a recording or a test's data.
import { PgleakError } from '../errors.js'
import { summarizeConnections, type ConnectionSummary } from './connection-summary.js'
import { runSnapshotDetectors } from './detectors/index.js'
import { sortFindings, type Finding } from './finding.js'
import type { GroupDimension } from './grouping.js'
import type { IgnoreRule } from './ignore-rule.js'
import type { PoolerSummary } from './pooler-summary.js'
import { redactSnapshot } from './redact-query.js'
import type { ReportWarning } from './report-warning.js'
import { usableSlots, type ServerSettings, type Snapshot } from './snapshot.js'
import type { Thresholds } from './thresholds.js'

export const OLDEST_SUPPORTED_VERSION_NUM = 140000
/** pg_stat_activity has had backend_type since PostgreSQL 10; before it, pgleak cannot tell clients from the rest. */
export const OLDEST_WORKING_VERSION_NUM = 100000

export function assertSupportedServer(settings: ServerSettings): void {
  if (settings.versionNum < OLDEST_WORKING_VERSION_NUM) {
    throw new PgleakError('SERVER_UNSUPPORTED', `PostgreSQL ${settings.version} is too old for pgleak`, {
      hint: 'pgleak supports PostgreSQL 14 to 18 (10 to 13 work with a warning).',
    })
  }
}
export const NEWEST_TESTED_MAJOR = 18

export interface ReportOptions {
  readonly groupBy: readonly GroupDimension[]
  readonly ignore: readonly IgnoreRule[]
  readonly thresholds: Thresholds
  /** Replace literals in query text with `?`. */
  readonly redact: boolean
}

export interface ServerInfo {
  /** Where pgleak connected, without the password. */
  readonly target: string
  readonly version: string
  readonly versionNum: number
  readonly maxConnections: number
  readonly usableConnections: number
  readonly superuserReservedConnections: number
  readonly reservedConnections: number
}

export interface AuditReport {
  readonly server: ServerInfo
  readonly sampledAtMillis: number
  readonly connections: ConnectionSummary
  readonly findings: readonly Finding[]
  readonly warnings: readonly ReportWarning[]
  /** Behind PgBouncer (`--pgbouncer`): what each pooler holds. */
  readonly poolers?: readonly PoolerSummary[]
}

export function serverInfo(settings: ServerSettings, target: string): ServerInfo {
  return {
    target,
    version: settings.version,
    versionNum: settings.versionNum,
    maxConnections: settings.maxConnections,
    usableConnections: usableSlots(settings),
    superuserReservedConnections: settings.superuserReservedConnections,
    reservedConnections: settings.reservedConnections,
  }
}

function warningsFor(settings: ServerSettings, summary: ConnectionSummary): ReportWarning[] {
  const warnings: ReportWarning[] = []
  if (summary.hiddenClientConnections > 0) {
    warnings.push({
      code: 'PARTIAL_VIEW',
      message:
        `the view is partial: role ${settings.currentUser} cannot see the state of ${summary.hiddenClientConnections} session${summary.hiddenClientConnections === 1 ? '' : 's'} of other roles ` +
        `(counted, but not judged). GRANT pg_monitor TO ${settings.currentUser}; fixes it.`,
    })
  }
  if (settings.versionNum < OLDEST_SUPPORTED_VERSION_NUM) {
    warnings.push({
      code: 'SERVER_VERSION',
      message: `PostgreSQL ${settings.version} is older than 14, the oldest version pgleak supports: figures may be incomplete.`,
    })
  } else if (Math.floor(settings.versionNum / 10000) > NEWEST_TESTED_MAJOR) {
    warnings.push({ code: 'SERVER_VERSION', message: `PostgreSQL ${settings.version} is newer than pgleak has been tested with.` })
  }
  if (summary.ignoredConnections > 0) {
    warnings.push({
      code: 'IGNORED_SESSIONS',
      message: `${summary.ignoredConnections} session${summary.ignoredConnections === 1 ? '' : 's'} matched --ignore: counted against the slots, left out of the table and the findings.`,
    })
  }
  return warnings
}

export function buildAuditReport(snapshot: Snapshot, settings: ServerSettings, target: string, options: ReportOptions): AuditReport {
  const judged = options.redact ? redactSnapshot(snapshot) : snapshot
  const connections = summarizeConnections(judged, settings, options.groupBy, options.ignore)
  const findings = runSnapshotDetectors({ snapshot: judged, settings, thresholds: options.thresholds, ignore: options.ignore, groupBy: options.groupBy })
  return {
    server: serverInfo(settings, target),
    sampledAtMillis: snapshot.sampledAtMillis,
    connections,
    findings: sortFindings(findings),
    warnings: warningsFor(settings, connections),
  }
}
