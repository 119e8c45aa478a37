// What `watch` and `analyze` print at the end: every finding seen, with when.
import { formatDuration } from '../core/duration.js'
import type { TrackedFinding } from '../core/finding-tracker.js'
import type { WatchResult } from '../watch.js'
import { renderFinding, renderFindingCounts } from './audit-text.js'
import type { Palette } from './colors.js'
import { toJsonDocument, type JsonDocument } from './json-document.js'
import { DEFAULT_WIDTH, wrapText } from './wrap-text.js'

function clock(iso: string): string {
  return iso.slice(11, 19)
}

function seen(finding: TrackedFinding): string {
  const span = finding.firstSeenAt === finding.lastSeenAt ? `seen at ${clock(finding.firstSeenAt)}` : `seen ${clock(finding.firstSeenAt)}–${clock(finding.lastSeenAt)}`
  return `${span}${finding.isActive ? ', still there at the end' : ', resolved'}`
}

export function renderWatchSummary(palette: Palette, result: WatchResult, options: { title: string; width?: number }): string {
  const { window, gaps } = result
  const seconds = Number.isFinite(window.toMillis - window.fromMillis) ? (window.toMillis - window.fromMillis) / 1000 : 0
  const lines: string[] = []
  const gapText = gaps.length > 0 ? `, ${gaps.length} gap${gaps.length === 1 ? '' : 's'} (${gaps.map((g) => `${clock(new Date(g.fromMillis).toISOString())}–${clock(new Date(g.toMillis).toISOString())}`).join(', ')})` : ''
  lines.push(wrapText(`${palette.bold(options.title)}  ${result.server.target} · PostgreSQL ${result.server.version} · ${formatDuration(seconds)}, ${window.samples} samples${gapText}`, options.width ?? DEFAULT_WIDTH, ''))
  lines.push('')
  if (result.findings.length === 0) lines.push(palette.green('no findings: connections looked healthy throughout'))
  for (const finding of result.findings) {
    lines.push(renderFinding(palette, finding, options.width ?? DEFAULT_WIDTH))
    lines.push(`       ${palette.dim(seen(finding))}`, '')
  }
  lines.push(renderFindingCounts(result.findings))
  return lines.join('\n')
}

export function watchJsonDocument(result: WatchResult, extra: Readonly<Record<string, unknown>> = {}): JsonDocument {
  return toJsonDocument({
    server: result.server,
    window: {
      from: Number.isFinite(result.window.fromMillis) ? new Date(result.window.fromMillis).toISOString() : '',
      to: Number.isFinite(result.window.toMillis) ? new Date(result.window.toMillis).toISOString() : '',
      samples: result.window.samples,
    },
    findings: result.findings,
    extra: {
      gaps: result.gaps.map((g) => ({ from: new Date(g.fromMillis).toISOString(), to: new Date(g.toMillis).toISOString(), reason: g.reason })),
      ...extra,
    },
  })
}
