// One self-contained HTML file of a watch, a check or a replayed recording:
// the connections chart with each finding marked where it was first seen,
// and a card per finding below. No script, no font, no request: it opens
// from a chat attachment, offline, and prints.
import type { PoolLogAnalysis } from '../../analyze-logs.js'
import type { CheckResult } from '../../check.js'
import { groupLabel } from '../../core/group-subject.js'
import type { Finding } from '../../core/finding.js'
import type { TrackedFinding } from '../../core/finding-tracker.js'
import { redactQuery } from '../../core/redact-query.js'
import { extentOf } from '../../core/series-math.js'
import { usableSlots } from '../../core/snapshot.js'
import type { WatchResult } from '../../watch.js'
import { PGLEAK_VERSION } from '../../version.js'
import { formatEvidence } from '../format-evidence.js'
import { escapeXml } from '../xml-escape.js'
import { renderConnectionsChart, type ChartSeries, type ConnectionsChart } from './connections-chart.js'

/** Groups drawn apart; the rest are summed as one band. */
const MAX_GROUPS = 9

export interface HtmlReport {
  readonly title: string
  readonly facts: readonly string[]
  readonly charts: readonly { readonly heading: string; readonly chart: ConnectionsChart }[]
  readonly findings: readonly (TrackedFinding | Finding)[]
  readonly generatedAtMillis: number
}

export interface HtmlReportOptions {
  /** Replace literals in the findings' query text (--redact). */
  readonly redact?: boolean
}

function peak(series: ChartSeries): number {
  return extentOf(series.points.map((p) => p.count))?.max ?? 0
}

/** The biggest groups apart, the others summed at each poll. */
function mainGroups(series: readonly ChartSeries[]): ChartSeries[] {
  const sorted = [...series].sort((a, b) => peak(b) - peak(a))
  if (sorted.length <= MAX_GROUPS) return sorted
  const rest = new Map<number, number>()
  for (const s of sorted.slice(MAX_GROUPS - 1)) for (const p of s.points) rest.set(p.atMillis, (rest.get(p.atMillis) ?? 0) + p.count)
  const others = { name: `${sorted.length - MAX_GROUPS + 1} other groups`, points: [...rest].sort((a, b) => a[0] - b[0]).map(([atMillis, count]) => ({ atMillis, count })) }
  return [...sorted.slice(0, MAX_GROUPS - 1), others]
}

function markersOf(findings: readonly TrackedFinding[]): ConnectionsChart['markers'] {
  return findings.map((finding, i) => ({ atMillis: Date.parse(finding.firstSeenAt), label: String(i + 1), title: finding.title, severity: finding.severity }))
}

/** A watch, or a recording replayed by analyze: the timeline's groups. */
export function htmlReportOfWatch(result: WatchResult, title: string): HtmlReport {
  const timeline = result.monitor.timeline
  const series = [...timeline.groups].map((group) => ({ name: groupLabel(group.key), points: group.series.points().map((p) => ({ atMillis: p.atMillis, count: p.max })) }))
  return {
    title,
    facts: [
      `server ${result.server.target}, PostgreSQL ${result.server.version}`,
      `${new Date(result.window.fromMillis).toISOString()} to ${new Date(result.window.toMillis).toISOString()}, ${result.window.samples} polls`,
      ...result.gaps.map((gap) => `no data ${new Date(gap.fromMillis).toISOString().slice(11, 19)} to ${new Date(gap.toMillis).toISOString().slice(11, 19)}: ${gap.reason}`),
    ],
    charts: [
      {
        heading: 'Client connections over time',
        chart: { series: mainGroups(series), usableSlots: usableSlots(result.monitor.settings), maxConnections: result.server.maxConnections, markers: markersOf(result.findings) },
      },
    ],
    findings: result.findings,
    generatedAtMillis: Date.now(),
  }
}

/** A check's run: its own sessions over time (the staircase of a suite that leaks per test). */
export function htmlReportOfCheck(result: CheckResult): HtmlReport {
  const command = result.command ? `command ${result.command.argv.join(' ')}, exit ${result.command.status}` : 'no command: one look at the database'
  return {
    title: 'pgleak check',
    facts: [`server ${result.server.target}, PostgreSQL ${result.server.version}`, command, `scope: ${result.scope}; peak ${result.peakConnections} connections`],
    charts: [
      {
        heading: "The run's client connections over time",
        chart: {
          series: [{ name: 'the run', points: result.connections }],
          usableSlots: result.server.usableConnections,
          maxConnections: result.server.maxConnections,
          markers: markersOf(result.findings),
        },
      },
    ],
    findings: result.findings,
    generatedAtMillis: Date.now(),
  }
}

/** Pool and server logs read by analyze: checkouts per pool, sessions per minute per application. */
export function htmlReportOfLogs(analysis: PoolLogAnalysis, title: string, maxConnections?: number): HtmlReport {
  const charts: HtmlReport['charts'][number][] = []
  const checkedOut = analysis.activity.checkedOut()
  if (checkedOut.length > 0) {
    charts.push({
      heading: 'Connections checked out of each pool',
      chart: {
        series: mainGroups(checkedOut),
        ...(maxConnections !== undefined ? { maxConnections } : {}),
        markers: [],
        yLabel: 'checked out',
        moments: unreturnedCheckouts(analysis),
      },
    })
  }
  for (const which of ['opened', 'closed'] as const) {
    const sessions = analysis.activity.sessionsPerMinute(which)
    if (sessions.length > 0) charts.push({ heading: `Server sessions ${which} per minute, per application`, chart: { series: mainGroups(sessions), markers: [], yLabel: `sessions ${which}` } })
  }
  const span = analysis.fromMillis !== null && analysis.toMillis !== null ? `${new Date(analysis.fromMillis).toISOString()} to ${new Date(analysis.toMillis).toISOString()}` : 'no timestamps'
  return {
    title,
    facts: [...analysis.files.map((file) => `${file.path}: ${file.format}, ${file.lines} lines, ${file.events} events`), span],
    charts,
    findings: analysis.findings,
    generatedAtMillis: Date.now(),
  }
}

/** Checkouts still out when the logs end (the first 200), as ticks where they were taken. */
function unreturnedCheckouts(analysis: PoolLogAnalysis): { atMillis: number; title: string }[] {
  const out: { atMillis: number; title: string }[] = []
  for (const pool of analysis.ledger.pools.values()) {
    const checkouts = [...[...pool.connections.values()].flatMap((c) => (c.checkout ? [c.checkout] : [])), ...pool.anonymousOut]
    for (const checkout of checkouts) {
      if (checkout.atMillis !== null) out.push({ atMillis: checkout.atMillis, title: `${pool.id}: checked out at line ${checkout.line} and never returned${checkout.stack?.[0] ? ` (${checkout.stack[0]})` : ''}` })
    }
  }
  return out.sort((a, b) => a.atMillis - b.atMillis).slice(0, 200)
}

function redacted(finding: Finding, redact: boolean): Finding {
  if (!redact || !('lastQuery' in finding.evidence) || typeof finding.evidence.lastQuery !== 'string') return finding
  return { ...finding, evidence: { ...finding.evidence, lastQuery: redactQuery(finding.evidence.lastQuery) } } as Finding
}

function card(finding: TrackedFinding | Finding, index: number, redact: boolean): string {
  const shown = redacted(finding, redact)
  const pids = finding.pids.length > 0 ? `<p class="pids">pids ${finding.pids.slice(0, 50).join(', ')}${finding.pids.length > 50 ? ', …' : ''}</p>` : ''
  return [
    `<section class="finding ${finding.severity}" id="finding-${index + 1}">`,
    `<h3><span class="badge">${index + 1}</span> <span class="severity">${finding.severity}</span> <span class="kind">${escapeXml(finding.kind)}</span> ${escapeXml(finding.title)}</h3>`,
    'firstSeenAt' in finding ? `<p class="when">first seen ${escapeXml(finding.firstSeenAt)}, last seen ${escapeXml(finding.lastSeenAt)}${finding.isActive ? '' : ' (resolved)'}</p>` : '',
    `<pre class="evidence">${escapeXml(formatEvidence(shown, 400))}</pre>`,
    `<p class="advice">${escapeXml(finding.advice)}</p>`,
    pids,
    '</section>',
  ].join('\n')
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111827; margin: 24px auto; max-width: 1000px; padding: 0 16px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; } h3 { font-size: 14px; margin: 0 0 6px; }
.facts { color: #4b5563; margin: 0 0 12px; padding-left: 18px; }
.chart { max-width: 100%; height: auto; border: 1px solid #e5e7eb; }
.finding { border: 1px solid #e5e7eb; border-left: 4px solid #6b7280; padding: 10px 12px; margin: 0 0 10px; break-inside: avoid; }
.finding.warning { border-left-color: #d97706; } .finding.error { border-left-color: #dc2626; }
.badge { display: inline-block; min-width: 18px; text-align: center; border-radius: 9px; background: #374151; color: #fff; font-size: 11px; }
.severity { text-transform: uppercase; font-size: 11px; color: #6b7280; } .kind { font-family: ui-monospace, monospace; font-size: 12px; }
.when, .pids { color: #6b7280; font-size: 12px; margin: 4px 0; }
.evidence { white-space: pre-wrap; background: #f9fafb; padding: 6px 8px; font-size: 12px; margin: 6px 0; }
.none { color: #047857; }
footer { color: #9ca3af; font-size: 12px; margin-top: 24px; }
`

export function renderHtmlReport(report: HtmlReport, options: HtmlReportOptions = {}): string {
  const cards = report.findings.map((finding, i) => card(finding, i, options.redact ?? false))
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    // Nothing may leave the page: no script, no fetch, no font or image from anywhere.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeXml(report.title)}</title><style>${STYLE}</style></head><body>`,
    `<h1>${escapeXml(report.title)}</h1>`,
    `<ul class="facts">${report.facts.map((fact) => `<li>${escapeXml(fact)}</li>`).join('')}</ul>`,
    ...report.charts.flatMap(({ heading, chart }) => [`<h2>${escapeXml(heading)}</h2>`, renderConnectionsChart(chart)]),
    `<h2>Findings (${report.findings.length})</h2>`,
    cards.length > 0 ? cards.join('\n') : '<p class="none">No finding: the connections looked healthy.</p>',
    `<footer>pgleak ${escapeXml(PGLEAK_VERSION)}, ${new Date(report.generatedAtMillis).toISOString()}</footer>`,
    '</body></html>',
    '',
  ].join('\n')
}
