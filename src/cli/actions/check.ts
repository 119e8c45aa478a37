// What `pgleak check` does, loaded only when it runs: commands/ holds the flags.
import { appendFileSync } from 'node:fs'
import { check, type CheckResult } from '../../check.js'
import { checkOutcomes } from '../../core/check-outcomes.js'
import { isAtLeast, type Severity } from '../../core/finding.js'
import type { TrackedFinding } from '../../core/finding-tracker.js'
import { renderCheckText } from '../../render/check-text.js'
import { renderGithubAnnotation, type AnnotationLocation } from '../../render/github-annotations.js'
import { renderJunit } from '../../render/junit.js'
import { renderCheckMarkdown } from '../../render/markdown.js'
import { toJsonDocument } from '../../render/json-document.js'
import type { WrappedCommand } from '../../sources/command/wrapped-command.js'
import type { CheckFlags, CheckFormat } from '../commands/check.js'
import { thresholdsFor, type Thresholds } from '../../core/thresholds.js'
import { exitCodeForFindings } from '../judgement-options.js'
import { stderrPalette, terminalWidth, writeReportFile } from '../output.js'

/** `given`: the thresholds the user set (flags or the config file); the library decides the rest. */
export async function runCheck(argv: readonly string[], flags: CheckFlags, configPath: string | undefined, given: Partial<Thresholds>): Promise<number> {
  const palette = stderrPalette(flags)
  const format: CheckFormat = flags.json ? 'json' : flags.format
  let command: WrappedCommand | undefined
  let interrupts = 0
  // The first signal stops the run (the command gets it, the report follows within a second); a second kills the command.
  const stopping = new AbortController()
  const forward = (signal: NodeJS.Signals) => (): void => {
    interrupts++
    if (interrupts > 1) command?.signal('SIGKILL')
    else stopping.abort(signal)
  }
  const onInt = forward('SIGINT')
  const onTerm = forward('SIGTERM')
  process.on('SIGINT', onInt)
  process.on('SIGTERM', onTerm)
  let result: CheckResult
  try {
    const thresholds = thresholdsFor('check', given)
    result = await check({
      ...(flags.dsn !== undefined ? { dsn: flags.dsn } : {}),
      connectTimeoutMillis: flags.connectTimeout * 1000,
      command: argv,
      intervalMillis: flags.interval * 1000,
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
      ...(flags.pgbouncer.length > 0 ? { pgbouncer: flags.pgbouncer } : {}),
      // A document on stdout must be all of stdout: the command's own output (a test runner's) goes to stderr.
      commandStdoutToStderr: format !== 'text' && !flags.output,
      signal: stopping.signal,
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
    if (flags.output) writeReportFile(flags.output, report, '--output', 'reports/pgleak.xml')
    else process.stdout.write(report)
  }
  if (process.env.GITHUB_ACTIONS === 'true') {
    if (format !== 'github') process.stdout.write(annotations(result.findings, flags.failOn, location))
    const summaryPath = process.env.GITHUB_STEP_SUMMARY
    if (summaryPath) appendFileSync(summaryPath, renderCheckMarkdown(result, flags.failOn))
  }
  // After every other report: a path that cannot be written must not cost the run's verdict.
  if (flags.html) {
    const { htmlReportOfCheck, renderHtmlReport } = await import('../../render/html/html-report.js')
    writeReportFile(flags.html, renderHtmlReport(htmlReportOfCheck(result), { redact: flags.redact }), '--html', 'pgleak.html')
  }
  // The command's own failure wins, so a failing test suite still fails the job with its own code.
  if (result.command && result.command.status !== 0) return result.command.status
  // The run's end could not be judged: the database is unreachable, the contract's 3.
  if (result.databaseLostAtEnd !== undefined) return 3
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
      return `${JSON.stringify(checkJsonDocument(result, failOn), null, 2)}\n`
    case 'junit':
      return renderJunit(result, failOn)
    case 'github':
      return annotations(result.findings, failOn, location)
    case 'markdown':
      return renderCheckMarkdown(result, failOn)
  }
}

function checkJsonDocument(result: CheckResult, failOn: Severity): unknown {
  // Each check's outcome, as JUnit and the Markdown summary give it: a skipped one says why.
  const checks = checkOutcomes(result.findings, failOn, result.inputs).map((o) => ({ name: o.name, status: o.status, ...(o.status === 'skipped' ? { reason: o.reason } : {}) }))
  return toJsonDocument({
    server: result.server,
    window: { from: new Date(result.window.fromMillis).toISOString(), to: new Date(result.window.toMillis).toISOString(), samples: result.window.samples },
    findings: result.findings,
    extra: { command: result.command, scope: result.scope, peakConnections: result.peakConnections, checks, gaps: result.gaps, ...(result.databaseLostAtEnd !== undefined ? { databaseLostAtEnd: result.databaseLostAtEnd } : {}) },
  })
}

