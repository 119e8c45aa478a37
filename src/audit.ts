// `audit`: one snapshot of a live database, judged. The library entry point
// that the CLI's `pgleak audit` is a thin layer over.
import { assertSupportedServer, buildAuditReport, type AuditReport, type ReportOptions } from './core/audit-report.js'
import { thresholdsFor } from './core/thresholds.js'
import { resolveConnectionTarget } from './sources/pg/connection-target.js'
import { PgleakSession, type SessionOptions } from './sources/pg/pgleak-session.js'
import { readServerSettings, readSnapshot } from './sources/pg/read-snapshot.js'

export interface AuditOptions extends Partial<ReportOptions>, SessionOptions {
  /** postgres:// URL or key=value list; else DATABASE_URL, else the libpq variables. */
  readonly dsn?: string
}

export async function audit(options: AuditOptions = {}): Promise<AuditReport> {
  const env = options.env ?? process.env
  const target = resolveConnectionTarget(options.dsn, env)
  const session = await PgleakSession.open(target, options)
  try {
    const settings = await readServerSettings(session)
    assertSupportedServer(settings)
    const snapshot = await readSnapshot(session, settings.versionNum)
    return buildAuditReport(snapshot, settings, target.description, {
      groupBy: options.groupBy ?? ['app'],
      ignore: options.ignore ?? [],
      thresholds: options.thresholds ?? thresholdsFor('audit'),
      redact: options.redact ?? false,
    })
  } finally {
    await session.close()
  }
}
