// One frame of `pgleak watch`'s live view: a header with the server, the
// usage bar and a sparkline of client connections, a row per group with its
// trend, and the active findings. Every line is cut to the terminal's width
// and the frame to its height, so redrawing in place never scrolls.
import { summarizePooler } from '../core/pooler-summary.js'
import { renderPoolerLines } from './pooler-lines.js'
import { stripVTControlCharacters } from 'node:util'
import type { ServerInfo } from '../core/audit-report.js'
import { clientGroups, summarizeGroup } from '../core/connection-summary.js'
import { formatDuration } from '../core/duration.js'
import type { TrackedFinding } from '../core/finding-tracker.js'
import { groupLabel } from '../core/group-subject.js'
import type { LeakMonitor } from '../core/leak-monitor.js'
import { severityBadge, type Palette } from './colors.js'
import { sparkline } from './sparkline.js'
import { percent, usageBar } from './usage-bar.js'
import { compareText } from '../core/compare-text.js'

export interface LiveViewState {
  readonly server: ServerInfo
  readonly monitor: LeakMonitor
  readonly intervalMillis: number
  /** A line about the connection: empty when all is well. */
  readonly status: string
  readonly isPaused: boolean
  readonly recordPath?: string
}

export interface ScreenSize {
  readonly columns: number
  readonly rows: number
}

function fit(line: string, width: number): string {
  const plain = stripVTControlCharacters(line)
  if (plain.length <= width) return line
  // Cutting a coloured line would cut its escape codes too; cut the plain text instead.
  return `${plain.slice(0, Math.max(0, width - 1))}…`
}

interface GroupRow {
  readonly label: string
  readonly total: number
  readonly active: number
  readonly idle: number
  readonly idleInTransaction: number
  readonly oldestTransactionSeconds: number | null
  readonly trend: readonly number[]
  readonly perMinute: number
}

function groupRows(monitor: LeakMonitor, trendWidth: number): GroupRow[] {
  const timeline = monitor.timeline
  const latest = timeline.latest
  if (!latest) return []
  // The same members as the timeline's groups: ignored sessions are in neither.
  const members = clientGroups(latest, timeline.ignore, timeline.groupBy)
  const rows: GroupRow[] = []
  for (const group of timeline.groups) {
    const backends = members.get(group.id)?.backends ?? []
    const first = group.series.firstSince(latest.sampledAtMillis - 60_000)
    const minutes = first ? (latest.sampledAtMillis - first.atMillis) / 60_000 : 0
    const perMinute = first && minutes > 0 ? ((group.series.latest ?? 0) - first.count) / minutes : 0
    if (backends.length === 0 && (group.series.range(latest.sampledAtMillis - 60_000, latest.sampledAtMillis)?.max ?? 0) === 0) continue
    const summary = summarizeGroup(group.key, backends, latest.sampledAtMillis)
    rows.push({
      label: groupLabel(group.key),
      total: summary.total,
      active: summary.active,
      idle: summary.idle,
      idleInTransaction: summary.idleInTransaction,
      oldestTransactionSeconds: summary.oldestTransactionSeconds,
      trend: group.series.recentCounts(trendWidth),
      perMinute,
    })
  }
  return rows.sort((a, b) => b.total - a.total || compareText(a.label, b.label))
}

function formatPerMinute(perMinute: number): string {
  const rounded = Math.round(perMinute)
  return rounded > 0 ? `+${rounded}` : String(rounded)
}

export function renderLiveFrame(palette: Palette, state: LiveViewState, findings: readonly TrackedFinding[], size: ScreenSize): string[] {
  const { server, monitor } = state
  const timeline = monitor.timeline
  const latest = timeline.latest
  const width = Math.max(40, size.columns)
  const lines: string[] = []
  const elapsed = latest && timeline.firstMillis !== undefined ? (latest.sampledAtMillis - timeline.firstMillis) / 1000 : 0
  lines.push(`${palette.bold('pgleak watch')} · ${formatDuration(Math.floor(elapsed))} · every ${formatDuration(state.intervalMillis / 1000)} · ${server.target} · PostgreSQL ${server.version}`)

  const clients = timeline.serverSeries.latest ?? 0
  const wide = width >= 120
  const trendWidth = wide ? 30 : 12
  const usage = `clients ${usageBar(palette, clients, server.usableConnections, wide ? 30 : 16)} ${palette.bold(String(clients))}/${server.usableConnections} (${percent(clients, server.usableConnections)})`
  lines.push(`${usage}  ${palette.cyan(sparkline(timeline.serverSeries.recentCounts(wide ? 60 : 24), wide ? 60 : 24))}`)
  const keys = state.isPaused ? 'p resume · q quit' : 'p pause · q quit'
  const status = state.isPaused
    ? palette.yellow(`paused: polling goes on, the view is frozen · ${keys}`)
    : state.status
      ? palette.yellow(state.status)
      : palette.dim(state.recordPath ? `${keys} · recording to ${state.recordPath}` : keys)
  lines.push(status)

  const rows = groupRows(monitor, trendWidth)
  const labelWidth = Math.max(12, Math.min(wide ? 40 : 22, Math.max(0, ...rows.map((r) => r.label.length))))
  const header = `${'group'.padEnd(labelWidth)} ${'total'.padStart(5)} ${'act'.padStart(4)} ${'idle'.padStart(4)} ${'in tx'.padStart(5)}  ${'trend'.padEnd(trendWidth)} ${'/min'.padStart(5)} ${'oldest tx'.padStart(9)}`
  lines.push(palette.bold(header))
  const findingLines = findings.length > 0 ? Math.min(findings.length, 8) + 1 : 2
  const roomForGroups = Math.max(1, size.rows - lines.length - findingLines - 2)
  for (const row of rows.slice(0, roomForGroups)) {
    const label = row.label.length > labelWidth ? `${row.label.slice(0, labelWidth - 1)}…` : row.label.padEnd(labelWidth)
    const perMinute = formatPerMinute(row.perMinute).padStart(5)
    lines.push(
      `${label} ${String(row.total).padStart(5)} ${String(row.active).padStart(4)} ${String(row.idle).padStart(4)} ` +
        `${(row.idleInTransaction > 0 ? palette.yellow(String(row.idleInTransaction).padStart(5)) : '0'.padStart(5))}  ` +
        `${palette.cyan(sparkline(row.trend, trendWidth, Number.POSITIVE_INFINITY).padEnd(trendWidth))} ${row.perMinute >= 1 ? palette.yellow(perMinute) : perMinute} ` +
        `${(row.oldestTransactionSeconds === null ? '-' : formatDuration(row.oldestTransactionSeconds)).padStart(9)}`,
    )
  }
  if (rows.length > roomForGroups) lines.push(palette.dim(`… ${rows.length - roomForGroups} more groups`))
  if (rows.length === 0) lines.push(palette.dim('no client connections besides pgleak'))
  // Behind PgBouncer: what the pooler holds, where the server cannot see.
  if (!monitor.poolers.isEmpty) lines.push(...renderPoolerLines(palette, monitor.poolers.poolers().map((p) => summarizePooler(p.latest))))

  lines.push('')
  if (findings.length === 0) lines.push(palette.green('no findings'))
  else lines.push(palette.bold(`findings (${findings.length})`))
  for (const finding of findings.slice(0, Math.max(1, size.rows - lines.length - 1))) {
    lines.push(`${severityBadge(palette, finding.severity)} ${palette.dim(finding.kind.padEnd(21))} ${finding.title}`)
  }
  return lines.slice(0, size.rows).map((line) => fit(line, width))
}
