import { appendFileSync, writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import { check, type CheckResult } from '../../check.js'
import { isAtLeast, type Severity } from '../../core/finding.js'
import type { TrackedFinding } from '../../core/finding-tracker.js'
import { PgleakError } from '../../errors.js'
import { renderCheckText } from '../../render/check-text.js'
import { renderGithubAnnotation, type AnnotationLocation } from '../../render/github-annotations.js'
import { renderJunit } from '../../render/junit.js'
import { renderCheckMarkdown } from '../../render/markdown.js'
import { toJsonDocument } from '../../render/json-document.js'
import type { WrappedCommand } from '../../sources/command/wrapped-command.js'
import { loadConfig, applyConfig } from '../config-file.js'
import { addConnectionOptions, type ConnectionFlags } from '../connection-options.js'
import { addJudgementOptions, exitCodeForFindings, thresholdsFrom, type JudgementFlags } from '../judgement-options.js'
import { parseCountOption, parseDurationOption } from '../option-parsers.js'
import { stderrPalette, terminalWidth } from '../output.js'
import { InvalidArgumentError } from 'commander'

export const CHECK_FORMATS = ['text', 'json', 'junit', 'github', 'markdown'] as const
type CheckFormat = (typeof CHECK_FORMATS)[number]

interface CheckFlags extends ConnectionFlags, JudgementFlags {
  readonly interval: number
  readonly settle: number
  readonly app?: string
  readonly user?: string
  readonly database?: string
  readonly maxConnections?: number
  readonly maxConnectsPerMinute?: number
  readonly format: CheckFormat
  readonly output?: string
  readonly json: boolean
  readonly config?: string
  readonly poolLog?: string
  readonly poolLogFormat?: string
  readonly color: boolean
}

function parseFormat(value: string): CheckFormat {
  if (!(CHECK_FORMATS as readonly string[]).includes(value)) throw new InvalidArgumentError(`use one of ${CHECK_FORMATS.join(', ')}.`)
  return value as CheckFormat
}

export function registerCheckCommand(program: Command): void {
  const command = program
    .command('check')
    .summary('CI gate: fail when a command leaks connections')
    .description(
      'With a command after --: takes a baseline, runs the command (stdio passed through, signals forwarded), watches the sessions in scope while it runs, ' +
        'waits --settle for connections to close, and fails on connections left open, connection growth, a peak over --max-connections, sessions idle in ' +
        'transaction, churn and abandoned connections. Without a command: judges the database as it is against the thresholds. ' +
        'Options can also come from pgleak.config.json or the "pgleak" key of package.json; flags win.',
    )
    .argument('[command...]', 'the command to wrap, after --')
  addConnectionOptions(command)
    .option('--interval <duration>', 'time between polls while the command runs', parseDurationOption, 0.5)
    .option('--settle <duration>', 'how long to wait after the command for its connections to close', parseDurationOption, 5)
    .option('--database <name>', "the run's sessions are this database's (default: the DSN's)")
    .option('--user <name>', "the run's sessions are this user's")
    .option('--app <pattern>', "the run's sessions have this application_name (* matches anything)")
    .option('--max-connections <n>', 'fail when the run holds more connections than this at once', parseCountOption)
    .option('--max-connects-per-minute <n>', 'fail when the run opens connections faster than this', parseCountOption)
    .option('--format <format>', `report on stdout (or --output) as ${CHECK_FORMATS.join(', ')}`, parseFormat, 'text')
    .option('--output <file>', 'write the --format report to this file')
    .option('--json', 'same as --format json', false)
    .option('--config <file>', 'read options from this file (default: pgleak.config.json, else package.json "pgleak")')
    .option('--pool-log <file>', 'follow this pool log while the command runs, and judge its checkouts too')
    .option('--pool-log-format <name>', 'its format, when it should not be detected')
  // A gate fails on what it was told to look for: warnings fail (and usage only at --max-usage), and a
  // test suite is short, so connections unused for 10 s already count as abandoned.
  addJudgementOptions(command, { isOverTime: true, defaults: { failOn: 'warning', abandonedAfterSeconds: 10 } })
    .option('--no-color', 'plain text output')
  command
    .addHelpText(
      'after',
      '\nExamples:\n  $ npx pgleak check -- npm test\n  $ pgleak check --max-connections 20 --format junit --output pgleak.xml -- pytest\n  $ pgleak check --max-usage 80 --max-idle-in-transaction 60s',
    )
    .action(async (argv: string[], flags: CheckFlags, cmd: Command) => {
      const config = loadConfig(process.cwd(), flags.config)
      if (config) applyConfig(cmd, config)
      const resolved = cmd.opts<CheckFlags>()
      process.exitCode = await runCheck(argv, resolved, config?.path)
    })
}

async function runCheck(argv: readonly string[], flags: CheckFlags, configPath: string | undefined): Promise<number> {
  const palette = stderrPalette(flags)
  const format: CheckFormat = flags.json ? 'json' : flags.format
  let command: WrappedCommand | undefined
  let interrupts = 0
  const forward = (signal: NodeJS.Signals) => (): void => {
    interrupts++
    command?.signal(interrupts > 1 ? 'SIGKILL' : signal)
  }
  const onInt = forward('SIGINT')
  const onTerm = forward('SIGTERM')
  process.on('SIGINT', onInt)
  process.on('SIGTERM', onTerm)
  let result: CheckResult
  try {
    const thresholds = thresholdsFrom({ ...flags, warnUsage: flags.maxUsage })
    result = await check({
      ...(flags.dsn !== undefined ? { dsn: flags.dsn } : {}),
      connectTimeoutMillis: flags.connectTimeout * 1000,
      command: argv,
      intervalMillis: Math.max(100, flags.interval * 1000),
      settleMillis: flags.settle * 1000,
      ...(flags.database !== undefined || flags.user !== undefined || flags.app !== undefined
        ? { scope: { ...(flags.database !== undefined ? { database: flags.database } : {}), ...(flags.user !== undefined ? { user: flags.user } : {}), ...(flags.app !== undefined ? { app: flags.app } : {}) } }
        : {}),
      groupBy: flags.groupBy,
      ignore: flags.ignore,
      redact: flags.redact,
      thresholds,
      limits: {
        ...(flags.maxConnections !== undefined ? { maxConnections: flags.maxConnections } : {}),
        ...(flags.maxConnectsPerMinute !== undefined ? { maxConnectsPerMinute: flags.maxConnectsPerMinute } : {}),
      },
      ...(flags.poolLog !== undefined ? { poolLogPath: flags.poolLog } : {}),
      ...(flags.poolLogFormat !== undefined ? { poolLogFormat: flags.poolLogFormat } : {}),
      onCommandStart: (started) => (command = started),
      onNotice: (message) => process.stderr.write(`${palette.yellow('pgleak:')} ${message}\n`),
    })
  } finally {
    process.off('SIGINT', onInt)
    process.off('SIGTERM', onTerm)
  }

  process.stderr.write(`${renderCheckText(palette, result, flags.failOn, terminalWidth())}\n`)
  const location: AnnotationLocation | undefined = configPath ? { file: configPath } : undefined
  const report = renderReport(result, format, flags.failOn, location)
  if (report !== undefined) {
    if (flags.output) writeReport(flags.output, report)
    else process.stdout.write(report)
  }
  if (process.env.GITHUB_ACTIONS === 'true') {
    if (format !== 'github') process.stdout.write(annotations(result.findings, flags.failOn, location))
    const summaryPath = process.env.GITHUB_STEP_SUMMARY
    if (summaryPath) appendFileSync(summaryPath, renderCheckMarkdown(result, flags.failOn))
  }
  // The command's own failure wins, so a failing test suite still fails the job with its own code.
  if (result.command && result.command.status !== 0) return result.command.status
  return exitCodeForFindings(result.findings, flags.failOn)
}

function annotations(findings: readonly TrackedFinding[], failOn: Severity, location: AnnotationLocation | undefined): string {
  return findings
    .filter((f) => isAtLeast(f.severity, 'warning'))
    .map((f) => `${renderGithubAnnotation(f, failOn, location)}\n`)
    .join('')
}

function renderReport(result: CheckResult, format: CheckFormat, failOn: Severity, location: AnnotationLocation | undefined): string | undefined {
  switch (format) {
    case 'text':
      return undefined
    case 'json':
      return `${JSON.stringify(checkJsonDocument(result), null, 2)}\n`
    case 'junit':
      return renderJunit(result, failOn)
    case 'github':
      return annotations(result.findings, failOn, location)
    case 'markdown':
      return renderCheckMarkdown(result, failOn)
  }
}

function checkJsonDocument(result: CheckResult): unknown {
  return toJsonDocument({
    server: result.server,
    window: { from: new Date(result.window.fromMillis).toISOString(), to: new Date(result.window.toMillis).toISOString(), samples: result.window.samples },
    findings: result.findings,
    extra: { command: result.command, scope: result.scope, peakConnections: result.peakConnections, gaps: result.gaps },
  })
}

function writeReport(path: string, report: string): void {
  try {
    writeFileSync(path, report)
  } catch (error) {
    throw new PgleakError('FILE_UNREADABLE', `cannot write ${path}: ${(error as Error).message}`, { cause: error })
  }
}
