import type { Command } from 'commander'
import { audit } from '../../audit.js'
import { isAtLeast, type Severity } from '../../core/finding.js'
import type { GroupDimension } from '../../core/grouping.js'
import type { IgnoreRule } from '../../core/ignore-rule.js'
import { DEFAULT_THRESHOLDS } from '../../core/thresholds.js'
import { renderAuditText } from '../../render/audit-text.js'
import { auditJsonDocument } from '../../render/json-document.js'
import { addConnectionOptions, type ConnectionFlags } from '../connection-options.js'
import {
  collectIgnoreRule,
  parseDurationOption,
  parseGroupByOption,
  parsePercentOption,
  parseSeverityOption,
} from '../option-parsers.js'
import { stdoutPalette, terminalWidth, writeJson } from '../output.js'

interface AuditFlags extends ConnectionFlags {
  readonly json: boolean
  readonly color: boolean
  readonly groupBy: GroupDimension[]
  readonly ignore: IgnoreRule[]
  readonly redact: boolean
  readonly failOn: Severity
  readonly maxIdleInTransaction: number
  readonly warnUsage: number
  readonly maxUsage: number
}

export function registerAuditCommand(program: Command): void {
  const command = program
    .command('audit')
    .summary('one-off report of a database\'s connection health')
    .description(
      'Takes one snapshot of pg_stat_activity and the settings that bound connections, and reports usage against the usable slots, ' +
        'who holds the connections, and findings (headroom, idle-in-transaction, config) with evidence and advice.',
    )
  addConnectionOptions(command)
    .option('--json', 'print the JSON document on stdout', false)
    .option('--group-by <dims>', 'group the table by app, user, db, client (comma-separated)', parseGroupByOption, ['app'])
    .option('--ignore <dim=pattern>', 'leave matching sessions out of the findings, e.g. app=pg_dump (repeatable, * matches anything)', collectIgnoreRule, [])
    .option('--redact', 'replace literals in query text with ?', false)
    .option('--fail-on <severity>', 'exit 1 when a finding is at least this severe: info, warning, error', parseSeverityOption, 'error')
    .option('--max-idle-in-transaction <duration>', 'report sessions idle in transaction longer than this', parseDurationOption, DEFAULT_THRESHOLDS.idleInTransactionSeconds)
    .option('--warn-usage <percent>', 'warn when connections reach this share of a limit', parsePercentOption, DEFAULT_THRESHOLDS.headroomWarningPercent)
    .option('--max-usage <percent>', 'error when connections reach this share of a limit', parsePercentOption, DEFAULT_THRESHOLDS.headroomErrorPercent)
    .option('--no-color', 'plain text output')
    .addHelpText('after', '\nExample:\n  $ pgleak audit --dsn postgres://app@db.internal/shop --group-by app,user --ignore app=pg_dump')
    .action(async (flags: AuditFlags) => {
      const report = await audit({
        ...(flags.dsn !== undefined ? { dsn: flags.dsn } : {}),
        connectTimeoutMillis: flags.connectTimeout * 1000,
        groupBy: flags.groupBy,
        ignore: flags.ignore,
        redact: flags.redact,
        thresholds: {
          ...DEFAULT_THRESHOLDS,
          idleInTransactionSeconds: flags.maxIdleInTransaction,
          headroomWarningPercent: Math.min(flags.warnUsage, flags.maxUsage),
          headroomErrorPercent: flags.maxUsage,
        },
      })
      if (flags.json) writeJson(auditJsonDocument(report))
      else process.stdout.write(`${renderAuditText(stdoutPalette(flags), report, flags.groupBy, terminalWidth())}\n`)
      process.exitCode = report.findings.some((f) => isAtLeast(f.severity, flags.failOn)) ? 1 : 0
    })
}
