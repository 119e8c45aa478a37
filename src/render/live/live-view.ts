// One frame of `pgleak watch`'s live view: a header with the server, the
// usage bar and a sparkline of client connections, a row per group with its
// trend, and the active findings, figures before prose; or, when a row is
// opened, that group's sessions or that finding whole. Every line is cut to
// the terminal's width and the frame to its height, so redrawing in place
// never scrolls.
import { stripVTControlCharacters } from 'node:util'
import type { ServerInfo } from '../../core/audit-report.js'
import { compareText } from '../../core/compare-text.js'
import { clientGroups, summarizeGroup } from '../../core/connection-summary.js'
import { formatDuration } from '../../core/duration.js'
import { findingKey, type TrackedFinding } from '../../core/finding-tracker.js'
import type { Subject } from '../../core/finding.js'
import { groupLabel, groupSubject } from '../../core/group-subject.js'
import type { LeakMonitor } from '../../core/leak-monitor.js'
import { summarizePooler } from '../../core/pooler-summary.js'
import { createPalette, severityBadge, type Palette } from '../colors.js'
import { findingFigure, hasReachedLimit } from '../finding-figure.js'
import { renderPoolerLines } from '../pooler-lines.js'
import { sparkline } from '../sparkline.js'
import { percent, usageBar } from '../usage-bar.js'
import { highestPerSpan } from '../../core/series-math.js'
import type { CountSeries } from '../../core/timeline/count-series.js'
import { wrapText } from '../wrap-text.js'
import { findingDetailLines, groupDetailLines } from './live-detail.js'
import { focusOf, selectedOf, START_NAVIGATION, type GroupSort, type LiveNavigation, type LiveRows } from './live-navigation.js'

export interface LiveViewState {
  readonly server: ServerInfo
  readonly monitor: LeakMonitor
  readonly intervalMillis: number
  /** A line about the connection: empty when all is well. */
  readonly status: string
  readonly isPaused: boolean
  readonly recordPath?: string
  readonly navigation?: LiveNavigation
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
  readonly id: string
  readonly label: string
  readonly total: number
  readonly active: number
  readonly idle: number
  readonly idleInTransaction: number
  readonly oldestTransactionSeconds: number | null
  readonly trend: readonly number[]
  readonly perMinute: number
  /** Held at a limit by a leak that reached it: its trend must not read as calm. */
  readonly isAtLimit: boolean
  /** Named by a finding about its connections piling up: its trend shows the climb, from zero. */
  readonly isLeaking: boolean
}

/** Findings about a group's connections piling up: its trend is drawn over minutes, so a pile held at a pool's or the server's limit shows its climb. */
const PILE_KINDS: ReadonlySet<string> = new Set(['connection-growth', 'abandoned-connections'])

function sameSubject(a: Subject, b: Subject): boolean {
  return a.application === b.application && a.user === b.user && a.database === b.database && a.client === b.client
}

const GROUP_ORDER: Record<GroupSort, (a: GroupRow, b: GroupRow) => number> = {
  total: (a, b) => b.total - a.total,
  'in tx': (a, b) => b.idleInTransaction - a.idleInTransaction,
  '/min': (a, b) => b.perMinute - a.perMinute,
  'oldest tx': (a, b) => (b.oldestTransactionSeconds ?? -1) - (a.oldestTransactionSeconds ?? -1),
  name: () => 0,
}

/** How long a trend of a piling group looks back: far enough to show the climb, not only where it is held. */
const CLIMB_WINDOW_MILLIS = 10 * 60_000

/** A piling group's last minutes in `cells` cells from zero: the climb shows, and a count held at a limit reads as a ceiling, not as calm. */
function climbOf(series: CountSeries, nowMillis: number, cells: number): number[] {
  const points = series.points(nowMillis - CLIMB_WINDOW_MILLIS)
  if (points.length === 0) return []
  return highestPerSpan(points, points[0]!.atMillis, nowMillis, Math.min(cells, points.length))
}

function groupRows(monitor: LeakMonitor, findings: readonly TrackedFinding[], trendWidth: number, sort: GroupSort): GroupRow[] {
  const timeline = monitor.timeline
  const latest = timeline.latest
  if (!latest) return []
  const reached = findings.filter(hasReachedLimit).map((f) => f.subject)
  const piling = findings.filter((f) => PILE_KINDS.has(f.kind)).map((f) => f.subject)
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
    const subject = groupSubject(group.key)
    const isAtLimit = reached.some((s) => sameSubject(s, subject))
    const isLeaking = isAtLimit || piling.some((s) => sameSubject(s, subject))
    rows.push({
      id: group.id,
      label: groupLabel(group.key),
      total: summary.total,
      active: summary.active,
      idle: summary.idle,
      idleInTransaction: summary.idleInTransaction,
      oldestTransactionSeconds: summary.oldestTransactionSeconds,
      trend: isLeaking ? climbOf(group.series, latest.sampledAtMillis, trendWidth) : group.series.recentCounts(trendWidth),
      perMinute,
      isAtLimit,
      isLeaking,
    })
  }
  const order = GROUP_ORDER[sort]
  return rows.sort((a, b) => order(a, b) || b.total - a.total || compareText(a.label, b.label))
}

/** Rows above an open detail's body: the header, the usage line and the keys. */
const HEADER_ROWS = 3

/** The rows the keys move through, in the order the frame shows them; with the screen's size, how far an open detail scrolls. */
export function liveRows(monitor: LeakMonitor, findings: readonly TrackedFinding[], navigation: LiveNavigation, size?: ScreenSize): LiveRows {
  const rows = { groups: groupRows(monitor, findings, 1, navigation.groupSort).map((r) => r.id), findings: findings.map(findingKey) }
  if (!navigation.open || !size) return rows
  // Colour does not change a line's count, so a plain palette measures the body the frame draws.
  const body = openDetailLines(createPalette({ isColor: false }), monitor, findings, navigation, frameWidth(size))
  return { ...rows, maxScroll: scrollLimit(body.length, size.rows - HEADER_ROWS) }
}

function frameWidth(size: ScreenSize): number {
  return Math.max(40, size.columns)
}

/** What an opened group or finding shows, before scrolling; none when nothing is open. */
function openDetailLines(palette: Palette, monitor: LeakMonitor, findings: readonly TrackedFinding[], navigation: LiveNavigation, width: number): string[] {
  const open = navigation.open
  if (!open) return []
  return open.type === 'group'
    ? groupDetailLines(palette, monitor, open.id, navigation.sessionSort, width)
    : findingDetailLines(palette, monitor, findings.find((f) => findingKey(f) === open.key), width)
}

function formatPerMinute(perMinute: number): string {
  const rounded = Math.round(perMinute)
  return rounded > 0 ? `+${rounded}` : String(rounded)
}

/** The first row of a window of `room` rows that keeps `selected` in view. */
function windowStart(selected: number, room: number, total: number): number {
  if (selected < room) return 0
  return Math.min(total - room, selected - room + 1)
}

function marker(palette: Palette, isSelected: boolean): string {
  return isSelected ? palette.inverse('›') : ' '
}

function keysLine(navigation: LiveNavigation, focus: 'groups' | 'findings', isPaused: boolean): string {
  const pause = isPaused ? 'p resume' : 'p pause'
  if (navigation.open?.type === 'group') return `esc back · ↑↓ scroll · s sort: ${navigation.sessionSort} · ${pause} · q quit`
  if (navigation.open) return `esc back · ↑↓ scroll · ${pause} · q quit`
  return `↑↓ select · ⏎ open · tab ${focus === 'groups' ? 'findings' : 'groups'} · s sort: ${navigation.groupSort} · ${pause} · q quit`
}

export function renderLiveFrame(palette: Palette, state: LiveViewState, findings: readonly TrackedFinding[], size: ScreenSize): string[] {
  const { server, monitor } = state
  const navigation = state.navigation ?? START_NAVIGATION
  const timeline = monitor.timeline
  const latest = timeline.latest
  const width = frameWidth(size)
  const lines: string[] = []
  const elapsed = latest && timeline.firstMillis !== undefined ? (latest.sampledAtMillis - timeline.firstMillis) / 1000 : 0
  // The version before the target: a narrow terminal cuts the address, not a number.
  lines.push(`${palette.bold('pgleak watch')} · ${formatDuration(Math.floor(elapsed))} · every ${formatDuration(state.intervalMillis / 1000)} · PostgreSQL ${server.version} · ${server.target}`)

  const clients = timeline.serverSeries.latest ?? 0
  const wide = width >= 120
  const trendWidth = wide ? 30 : 12
  const usage = `clients ${usageBar(palette, clients, server.usableConnections, wide ? 30 : 16)} ${palette.bold(String(clients))}/${server.usableConnections} (${percent(clients, server.usableConnections)})`
  lines.push(`${usage}  ${palette.cyan(sparkline(timeline.serverSeries.recentCounts(wide ? 60 : 24), wide ? 60 : 24))}`)

  const rows = groupRows(monitor, findings, trendWidth, navigation.groupSort)
  const focus = focusOf(navigation, { groups: rows.map((r) => r.id), findings: findings.map(findingKey) })
  const keys = keysLine(navigation, focus, state.isPaused)
  const status = state.isPaused
    ? palette.yellow(`paused: polling goes on, the view is frozen · ${keys}`)
    : state.status
      ? palette.yellow(state.status)
      : palette.dim(state.recordPath ? `${keys} · recording to ${state.recordPath}` : keys)
  lines.push(status)

  if (navigation.open) {
    const body = openDetailLines(palette, monitor, findings, navigation, width)
    return [...lines, ...scrolled(palette, body, navigation.scroll, size.rows - lines.length)].map((line) => fit(line, width))
  }

  const labelWidth = Math.max(12, Math.min(wide ? 40 : 22, Math.max(0, ...rows.map((r) => r.label.length))))
  const header = `  ${'group'.padEnd(labelWidth)} ${'total'.padStart(5)} ${'act'.padStart(4)} ${'idle'.padStart(4)} ${'in tx'.padStart(5)}  ${'trend'.padEnd(trendWidth)} ${'/min'.padStart(5)} ${'oldest tx'.padStart(9)}`
  lines.push(palette.bold(header))
  const poolerLines = monitor.poolers.isEmpty ? [] : renderPoolerLines(palette, monitor.poolers.poolers().map((p) => summarizePooler(p.latest)))
  const findingRows = findings.length > 0 ? Math.min(findings.length, 8) + 1 : 1
  const roomForGroups = Math.max(1, size.rows - lines.length - findingRows - poolerLines.length - 2)
  const selectedGroup = focus === 'groups' ? selectedOf(rows.map((r) => r.id), navigation.group) : null
  const groupsFrom = rows.length > roomForGroups ? windowStart(rows.findIndex((r) => r.id === selectedGroup), roomForGroups - 1, rows.length) : 0
  const shownGroups = rows.length > roomForGroups ? rows.slice(groupsFrom, groupsFrom + roomForGroups - 1) : rows
  for (const row of shownGroups) {
    const label = row.label.length > labelWidth ? `${row.label.slice(0, labelWidth - 1)}…` : row.label.padEnd(labelWidth)
    // A piling group is scaled from zero (red at its limit, with "limit" for its rate): scaled from its lowest, a held count reads as calm.
    const trend = sparkline(row.trend, trendWidth, row.isLeaking ? 0 : Number.POSITIVE_INFINITY).padEnd(trendWidth)
    const perMinute = row.isAtLimit ? palette.red('limit'.padStart(5)) : row.perMinute >= 1 ? palette.yellow(formatPerMinute(row.perMinute).padStart(5)) : formatPerMinute(row.perMinute).padStart(5)
    lines.push(
      `${marker(palette, row.id === selectedGroup)} ${label} ${String(row.total).padStart(5)} ${String(row.active).padStart(4)} ${String(row.idle).padStart(4)} ` +
        `${row.idleInTransaction > 0 ? palette.yellow(String(row.idleInTransaction).padStart(5)) : '0'.padStart(5)}  ` +
        `${row.isAtLimit ? palette.red(trend) : row.isLeaking ? palette.yellow(trend) : palette.cyan(trend)} ${perMinute} ` +
        `${(row.oldestTransactionSeconds === null ? '-' : formatDuration(row.oldestTransactionSeconds)).padStart(9)}`,
    )
  }
  if (rows.length > roomForGroups) lines.push(palette.dim(`  … ${rows.length - shownGroups.length} more groups`))
  if (rows.length === 0) lines.push(palette.dim('  no client connections besides pgleak'))
  // Behind PgBouncer: what the pooler holds, where the server cannot see.
  lines.push(...poolerLines)

  lines.push('')
  if (findings.length === 0) {
    lines.push(palette.green('no findings'))
    return lines.slice(0, size.rows).map((line) => fit(line, width))
  }
  lines.push(palette.bold(`findings (${findings.length})`))
  lines.push(...findingLines(palette, findings, focus === 'findings' ? selectedOf(findings.map(findingKey), navigation.finding) : null, width, size.rows - lines.length))
  return lines.slice(0, size.rows).map((line) => fit(line, width))
}

/**
 * A finding per row, its figure before its title; a title too long for the row goes on to the
 * next rows while there is room, so a narrow terminal cuts prose, never the figure.
 */
function findingLines(palette: Palette, findings: readonly TrackedFinding[], selected: string | null, width: number, room: number): string[] {
  if (room <= 0) return []
  const wide = width >= 120
  const figures = findings.map(findingFigure)
  const figureWidth = Math.min(16, Math.max(8, ...figures.map((f) => f.length)))
  const indent = 2 + 6 + (wide ? 22 : 0) + figureWidth + 1
  const keys = findings.map(findingKey)
  const selectedIndex = selected === null ? 0 : keys.indexOf(selected)
  const shownCount = findings.length > room ? room - 1 : findings.length
  const from = windowStart(Math.max(0, selectedIndex), shownCount, findings.length)
  const shown = findings.slice(from, from + shownCount)
  const titles = shown.map((f) => wrapText(f.title, width - indent, '').split('\n'))
  // Each shown finding gets its first row; rows left over go to the titles that run on, in order.
  let spare = room - shown.length - (findings.length > shown.length ? 1 : 0)
  const rowsOf = titles.map((t) => {
    const extra = Math.min(t.length - 1, Math.max(0, spare))
    spare -= extra
    return 1 + extra
  })
  const lines: string[] = []
  shown.forEach((finding, i) => {
    const figure = figures[from + i]!
    const isReached = hasReachedLimit(finding)
    const figureText = figure.length > figureWidth ? `${figure.slice(0, figureWidth - 1)}…` : figure.padEnd(figureWidth)
    const kind = wide ? `${palette.dim(finding.kind.padEnd(21))} ` : ''
    const title = titles[i]!
    const shownTitle = title.slice(0, rowsOf[i])
    if (shownTitle.length < title.length) shownTitle[shownTitle.length - 1] = `${shownTitle[shownTitle.length - 1]!.slice(0, width - indent - 1)}…`
    lines.push(
      `${marker(palette, keys[from + i] === selected)} ${severityBadge(palette, finding.severity)} ${kind}${isReached ? palette.red.bold(figureText) : palette.bold(figureText)} ${shownTitle[0]}`,
    )
    for (const more of shownTitle.slice(1)) lines.push(`${' '.repeat(indent)}${more}`)
  })
  if (findings.length > shown.length) lines.push(palette.dim(`  … ${findings.length - shown.length} more findings (↑↓ to see them)`))
  return lines
}

/** Lines of a scrolled detail shown at once in `room` rows: its first line and the line saying what is below take two. */
function visibleLines(room: number): number {
  return Math.max(1, room - 2)
}

/** How far a detail of `bodyLines` lines scrolls in `room` rows before its end is on screen. */
function scrollLimit(bodyLines: number, room: number): number {
  return bodyLines <= room ? 0 : Math.max(0, bodyLines - 1 - visibleLines(room))
}

/** An opened detail, `scroll` lines down, with a line saying what is below when it does not fit. */
function scrolled(palette: Palette, body: readonly string[], scroll: number, room: number): string[] {
  if (body.length <= room) return [...body]
  // The first line (what is open) stays; the rest scrolls.
  const [title, ...rest] = body
  const visible = visibleLines(room)
  const from = Math.min(scroll, scrollLimit(body.length, room))
  const below = rest.length - from - visible
  return [title!, ...rest.slice(from, from + visible), palette.dim(below > 0 ? `↓ ${below} more line${below === 1 ? '' : 's'}` : '(end)')]
}
