// The human report of `pgleak check`, on stderr beside the command's output.
import type { CheckResult } from '../check.js'
import { checkOutcomes } from '../core/check-outcomes.js'
import { formatDuration } from '../core/duration.js'
import { isAtLeast, type Severity } from '../core/finding.js'
import { renderFinding, renderFindingCounts } from './audit-text.js'
import type { Palette } from './colors.js'
import { DEFAULT_WIDTH } from './wrap-text.js'

export function commandLine(result: CheckResult): string {
  const command = result.command
  if (!command) return ''
  const how = command.signal ? `killed by ${command.signal}` : `exit ${command.exitCode}`
  return `${command.argv.join(' ')} → ${how} after ${formatDuration(command.durationSeconds)}`
}

export function renderCheckText(palette: Palette, result: CheckResult, failOn: Severity, width = DEFAULT_WIDTH): string {
  const failing = result.findings.filter((f) => isAtLeast(f.severity, failOn))
  const commandFailed = result.command !== null && result.command.status !== 0
  const verdict = failing.length > 0 ? palette.red.bold('FAILED') : commandFailed ? palette.yellow.bold('no leaks; the command failed') : palette.green.bold('passed')
  const lines: string[] = ['', `${palette.bold('pgleak check')} ${verdict}  ${result.server.target} · PostgreSQL ${result.server.version}`]
  if (result.command) lines.push(palette.dim(`command: ${commandLine(result)}`))
  if (result.databaseLostAtEnd !== undefined) lines.push(palette.red(`${result.databaseLostAtEnd}: what the run left open could not be seen (exit 3 unless the command failed)`))
  const left = result.command?.leftoverProcesses ?? []
  if (left.length > 0) {
    const shown = left.slice(0, 5).map((p) => (p.pid > 0 ? `pid ${p.pid} ${p.command}` : p.command))
    lines.push(palette.yellow(`left running after it exited, and ended by pgleak: ${shown.join('; ')}${left.length > 5 ? `; ${left.length - 5} more` : ''}`))
  }
  lines.push(palette.dim(`scope: ${result.scope} · peak ${result.peakConnections} connections · ${result.window.samples} samples`))
  lines.push('')
  for (const finding of result.findings) lines.push(renderFinding(palette, finding, width), '')
  const outcomes = checkOutcomes(result.findings, failOn, result.inputs)
  lines.push(outcomes.map((o) => (o.status === 'passed' ? palette.green(`✓ ${o.name}`) : o.status === 'failed' ? palette.red(`✗ ${o.name}`) : palette.dim(`– ${o.name} (skipped)`))).join('  '))
  lines.push(renderFindingCounts(result.findings))
  return lines.join('\n')
}
