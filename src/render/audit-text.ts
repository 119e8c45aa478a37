// The human report of `pgleak audit`: readable in ten seconds, top to bottom:
// where, how full, who holds the connections, what is wrong and what to do.
import type { AuditReport } from '../core/audit-report.js'
import type { Finding } from '../core/finding.js'
import type { GroupDimension } from '../core/grouping.js'
import { severityBadge, type Palette } from './colors.js'
import { formatEvidence } from './format-evidence.js'
import { renderGroupTable } from './group-table.js'
import { renderPoolerLines } from './pooler-lines.js'
import { percent, usageBar } from './usage-bar.js'
import { DEFAULT_WIDTH, wrapText } from './wrap-text.js'

export function renderFinding(palette: Palette, finding: Finding, width = DEFAULT_WIDTH): string {
  const indent = '       '
  return [
    wrapText(`${severityBadge(palette, finding.severity)}  ${palette.bold(finding.title)}`, width, '', indent),
    wrapText(`${palette.dim(finding.kind)} · ${formatEvidence(finding)}`, width, indent),
    wrapText(`${palette.green('→')} ${finding.advice}`, width, indent, '  '),
  ].join('\n')
}

export function renderFindingCounts(findings: readonly Finding[]): string {
  const count = (severity: Finding['severity']): number => findings.filter((f) => f.severity === severity).length
  const errors = count('error')
  const warnings = count('warning')
  const infos = count('info')
  return `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}, ${infos} info`
}

export function renderAuditText(palette: Palette, report: AuditReport, groupBy: readonly GroupDimension[], width = DEFAULT_WIDTH): string {
  const { server, connections } = report
  const lines: string[] = []
  lines.push(`${palette.bold('pgleak audit')}  ${server.target}  ·  PostgreSQL ${server.version}`)
  lines.push('')
  const reserved = [`${server.superuserReservedConnections} reserved for superusers`]
  if (server.reservedConnections > 0) reserved.push(`${server.reservedConnections} for pg_use_reserved_connections`)
  lines.push(
    `connections ${usageBar(palette, connections.clientConnections, connections.usableSlots)} ` +
      `${palette.bold(String(connections.clientConnections))} / ${connections.usableSlots} usable (${percent(connections.clientConnections, connections.usableSlots)})` +
      palette.dim(`  max_connections ${server.maxConnections}, ${reserved.join(', ')}`),
  )
  for (const limit of connections.limits) {
    const label = `${limit.scope} ${limit.name}`.padEnd(11)
    lines.push(`${label} ${usageBar(palette, limit.connections, limit.limit)} ${limit.connections} / ${limit.limit} (CONNECTION LIMIT, ${percent(limit.connections, limit.limit)})`)
  }
  const apart: string[] = []
  const background = Object.values(connections.backgroundByType).reduce((sum, n) => sum + n, 0) + connections.hiddenOtherBackends
  if (background > 0) apart.push(`${background} background process${background === 1 ? '' : 'es'}`)
  if (connections.walsenders > 0) apart.push(`${connections.walsenders} walsender${connections.walsenders === 1 ? '' : 's'}`)
  if (connections.listeningConnections > 0) apart.push(`${connections.listeningConnections} LISTEN session${connections.listeningConnections === 1 ? '' : 's'} (held on purpose, not leaks)`)
  if (apart.length > 0) lines.push(palette.dim(`            not counted: ${apart.join(', ')}; pgleak's own session is left out`))
  lines.push('')

  if (connections.groups.length > 0) lines.push(renderGroupTable(palette, connections.groups, groupBy), '')
  else lines.push(palette.dim('no client connections besides pgleak'), '')
  if (report.poolers && report.poolers.length > 0) lines.push(...renderPoolerLines(palette, report.poolers), '')

  for (const warning of report.warnings) lines.push(wrapText(`${palette.yellow('!')} ${warning.message}`, width, '  '))
  if (report.warnings.length > 0) lines.push('')

  if (report.findings.length === 0) lines.push(palette.green('no findings: connections look healthy'))
  for (const finding of report.findings) lines.push(renderFinding(palette, finding, width), '')
  lines.push(renderFindingCounts(report.findings))
  return lines.join('\n')
}
