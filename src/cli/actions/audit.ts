// What `pgleak audit` does, loaded only when it runs: commands/ holds the flags.
import { audit } from '../../audit.js'
import { auditJsonDocument } from '../../render/json-document.js'
import type { AuditFlags } from '../commands/audit.js'
import { thresholdsFor, type Thresholds } from '../../core/thresholds.js'
import { exitCodeForFindings } from '../judgement-options.js'
import { stdoutPalette, terminalWidth, writeJson } from '../output.js'

/** `given`: the thresholds the user set; the library decides the rest. */
export async function runAudit(flags: AuditFlags, given: Partial<Thresholds>): Promise<number> {
  const report = await audit({
    ...(flags.dsn !== undefined ? { dsn: flags.dsn } : {}),
    connectTimeoutMillis: flags.connectTimeout * 1000,
    ...(flags.pgbouncer.length > 0 ? { pgbouncer: flags.pgbouncer } : {}),
    groupBy: flags.groupBy,
    ignore: flags.ignore,
    redact: flags.redact,
    thresholds: thresholdsFor('audit', given),
  })
  if (flags.json) writeJson(auditJsonDocument(report))
  else {
    // The table renderer (cli-table3 and its width tables) is loaded only for the table.
    const { renderAuditText } = await import('../../render/audit-text.js')
    process.stdout.write(`${renderAuditText(stdoutPalette(flags), report, flags.groupBy, terminalWidth())}\n`)
  }
  return exitCodeForFindings(report.findings, flags.failOn)
}
