// `audit`: one snapshot of a live database, judged. The library entry point
// that the CLI's `pgleak audit` is a thin layer over.
import { assertSupportedServer, buildAuditReport, type AuditReport, type ReportOptions } from './core/audit-report.js'
import { runPoolerDetectors } from './core/detectors/pooler/index.js'
import { sortFindings } from './core/finding.js'
import { joinPoolerClients } from './core/pooler-join.js'
import { summarizePooler } from './core/pooler-summary.js'
import { PoolerTimeline } from './core/pooler-timeline.js'
import { usableSlots, type ServerSettings } from './core/snapshot.js'
import { thresholdsFor } from './core/thresholds.js'
import type { ConnectionTarget } from './sources/pg/connection-target.js'
import { PoolerPoller } from './sources/pgbouncer/poll-poolers.js'
import { poolerTargetsOf } from './sources/pgbouncer/pooler-target.js'
import { resolveConnectionTarget } from './sources/pg/connection-target.js'
import { PgleakSession, type SessionOptions } from './sources/pg/pgleak-session.js'
import { readServerSettings, readSnapshot } from './sources/pg/read-snapshot.js'

export interface AuditOptions extends Partial<ReportOptions>, SessionOptions {
  /** postgres:// URL or key=value list; else DATABASE_URL, else the libpq variables. */
  readonly dsn?: string
  /** PgBouncer admin console URLs to look through as well. */
  readonly pgbouncer?: readonly string[]
}

/** Two looks at a pooler this far apart tell a queue that waits from one that drains. */
const POOLER_LOOKS_APART_MILLIS = 1000

export async function audit(options: AuditOptions = {}): Promise<AuditReport> {
  const env = options.env ?? process.env
  const target = resolveConnectionTarget(options.dsn, env)
  const session = await PgleakSession.open(target, options)
  try {
    const settings = await readServerSettings(session)
    assertSupportedServer(settings)
    const snapshot = await readSnapshot(session, settings.versionNum)
    const report = buildAuditReport(snapshot, settings, target.description, {
      groupBy: options.groupBy ?? ['app'],
      ignore: options.ignore ?? [],
      thresholds: options.thresholds ?? thresholdsFor('audit'),
      redact: options.redact ?? false,
    })
    return options.pgbouncer && options.pgbouncer.length > 0 ? await withPoolers(report, settings, poolerTargetsOf(options.pgbouncer, env), options) : report
  } finally {
    await session.close()
  }
}

/** The report with what the poolers see: two looks a second apart (a queue that waits, not one that drains), and the server's sessions named by the clients holding them. */
async function withPoolers(report: AuditReport, settings: ServerSettings, targets: readonly ConnectionTarget[], options: AuditOptions): Promise<AuditReport> {
  const poller = new PoolerPoller(targets, { connectTimeoutMillis: options.connectTimeoutMillis ?? 10_000 })
  const timeline = new PoolerTimeline()
  try {
    const first = await poller.poll()
    for (const failure of first.errors) throw failure.error
    for (const look of first.snapshots) timeline.ingest(look)
    await new Promise((resolve) => setTimeout(resolve, POOLER_LOOKS_APART_MILLIS))
    for (const look of (await poller.poll()).snapshots) timeline.ingest(look)
  } finally {
    await poller.close()
  }
  const fromPoolers = runPoolerDetectors({ timeline, usableSlots: usableSlots(settings) })
  const findings = joinPoolerClients([...report.findings, ...fromPoolers], timeline.poolers().map((p) => p.latest))
  return { ...report, findings: sortFindings(findings), poolers: timeline.poolers().map((p) => summarizePooler(p.latest)) }
}
