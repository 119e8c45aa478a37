// A Markdown summary of a check: for --format markdown and GitHub's job summary.
import type { CheckResult } from '../check.js'
import { checkOutcomes } from '../core/check-outcomes.js'
import { isAtLeast, type Severity } from '../core/finding.js'
import { commandLine } from './check-text.js'
import { formatEvidence } from './format-evidence.js'
import { runChartMermaid } from './run-chart-mermaid.js'

const OUTCOME_CELL = { passed: '✅ passed', failed: '❌ failed', skipped: '⏭️ skipped' } as const

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

export function renderCheckMarkdown(result: CheckResult, failOn: Severity): string {
  const failing = result.findings.filter((f) => isAtLeast(f.severity, failOn))
  const lines = [`## pgleak check: ${failing.length > 0 ? '❌ connection leaks found' : '✅ no connection leaks'}`, '']
  lines.push(`Server \`${result.server.target}\` (PostgreSQL ${result.server.version}); scope: ${result.scope}; peak ${result.peakConnections} connections.`)
  if (result.command) lines.push('', `Command: \`${commandLine(result)}\``)
  const chart = runChartMermaid(result.connections, `${result.scope}: client connections, peak ${result.peakConnections}`)
  if (chart) lines.push('', chart)
  lines.push('', '| check | result |', '|---|---|')
  for (const outcome of checkOutcomes(result.findings, failOn, result.inputs)) lines.push(`| ${outcome.name} | ${OUTCOME_CELL[outcome.status]}${outcome.status === 'skipped' ? `: ${cell(outcome.reason)}` : ''} |`)
  if (result.findings.length > 0) {
    lines.push('', '| severity | finding | evidence |', '|---|---|---|')
    for (const finding of result.findings) lines.push(`| ${finding.severity} | ${cell(finding.title)} | ${cell(formatEvidence(finding))} |`)
    lines.push('')
    for (const finding of failing) lines.push(`<details><summary>${cell(finding.title)}</summary>`, '', finding.advice, '', '</details>')
  }
  return `${lines.join('\n')}\n`
}
