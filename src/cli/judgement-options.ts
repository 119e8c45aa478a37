// The flags that decide what is a finding, shared by every command that judges.
import type { Command } from 'commander'
import { isAtLeast, type Severity } from '../core/finding.js'
import type { GroupDimension } from '../core/grouping.js'
import type { IgnoreRule } from '../core/ignore-rule.js'
import { DEFAULT_THRESHOLDS, type Thresholds } from '../core/thresholds.js'
import { collectIgnoreRule, parseCountOption, parseDurationOption, parseGroupByOption, parsePercentOption, parseSeverityOption } from './option-parsers.js'

export interface JudgementFlags {
  readonly groupBy: GroupDimension[]
  readonly ignore: IgnoreRule[]
  readonly redact: boolean
  readonly failOn: Severity
  readonly maxIdleInTransaction: number
  readonly warnUsage: number
  readonly maxUsage: number
  readonly abandonedAfter: number
  readonly churnPerMinute: number
}

export interface JudgementDefaults {
  readonly failOn?: Severity
  readonly abandonedAfterSeconds?: number
}

/** `hasFailOn: false` for a command that never ends on a verdict (serve: its verdicts go to Prometheus). */
export function addJudgementOptions(command: Command, options: { isOverTime: boolean; defaults?: JudgementDefaults; hasFailOn?: boolean }): Command {
  command
    .option('--group-by <dims>', 'group by app, user, db, client (comma-separated)', parseGroupByOption, ['app'])
    .option('--ignore <dim=pattern>', 'leave matching sessions out of the findings, e.g. app=pg_dump (repeatable, * matches anything)', collectIgnoreRule, [])
    .option('--redact', 'replace literals in query text with ?', false)
  if (options.hasFailOn !== false) command.option('--fail-on <severity>', 'exit 1 when a finding is at least this severe: info, warning, error', parseSeverityOption, options.defaults?.failOn ?? 'error')
  command
    .option('--max-idle-in-transaction <duration>', 'report sessions idle in transaction longer than this', parseDurationOption, DEFAULT_THRESHOLDS.idleInTransactionSeconds)
    .option('--warn-usage <percent>', 'warn when connections reach this share of a limit', parsePercentOption, DEFAULT_THRESHOLDS.headroomWarningPercent)
    .option('--max-usage <percent>', 'error when connections reach this share of a limit', parsePercentOption, DEFAULT_THRESHOLDS.headroomErrorPercent)
    .option('--abandoned-after <duration>', 'idle connections their group skipped are abandoned after this long (four or more sooner)', parseDurationOption, options.defaults?.abandonedAfterSeconds ?? DEFAULT_THRESHOLDS.abandonedAfterSeconds)
  if (options.isOverTime) {
    command
      .option('--churn-per-minute <n>', 'connections closed per minute, with short lives, that make churn', parseCountOption, DEFAULT_THRESHOLDS.churnPerMinute)
  }
  return command
}

/** The thresholds the user gave, on the command line or in a config file; the library decides the rest. */
export function thresholdsGivenTo(command: Command, flags: Partial<JudgementFlags>): Partial<Thresholds> {
  return thresholdsGiven(flags, (flag) => ['cli', 'config'].includes(command.getOptionValueSource(flag) ?? ''))
}

/** Which threshold each judgement flag sets. */
const THRESHOLD_OF_FLAG = {
  maxIdleInTransaction: 'idleInTransactionSeconds',
  warnUsage: 'headroomWarningPercent',
  maxUsage: 'headroomErrorPercent',
  abandonedAfter: 'abandonedAfterSeconds',
  churnPerMinute: 'churnPerMinute',
} as const satisfies Partial<Record<keyof JudgementFlags, keyof Thresholds>>

/** Only the thresholds whose flags were given (`isGiven`), to lay over thresholds from elsewhere (a recording's). */
export function thresholdsGiven(flags: Partial<JudgementFlags>, isGiven: (flag: string) => boolean): Partial<Thresholds> {
  const given: { -readonly [K in keyof Thresholds]?: number } = {}
  for (const [flag, threshold] of Object.entries(THRESHOLD_OF_FLAG)) {
    const value = flags[flag as keyof typeof THRESHOLD_OF_FLAG]
    if (isGiven(flag) && value !== undefined) given[threshold] = value
  }
  return given
}

export function exitCodeForFindings(findings: readonly { severity: Severity }[], failOn: Severity): 0 | 1 {
  return findings.some((f) => isAtLeast(f.severity, failOn)) ? 1 : 0
}
