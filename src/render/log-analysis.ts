// What `analyze` prints for pool and server logs.
import type { PoolLogAnalysis } from '../analyze-logs.js'
import { renderFinding, renderFindingCounts } from './audit-text.js'
import type { Palette } from './colors.js'
import { toJsonDocument, type JsonDocument } from './json-document.js'
import { DEFAULT_WIDTH } from './wrap-text.js'

export function renderLogAnalysis(palette: Palette, analysis: PoolLogAnalysis, width = DEFAULT_WIDTH): string {
  const lines: string[] = []
  for (const file of analysis.files) {
    const skipped = file.skipped.count > 0 ? palette.yellow(`, ${file.skipped.count} unreadable (first: line ${file.skipped.firstLineNumbers.join(', ')})`) : ''
    const repeated = file.repeatedInTraceback > 0 ? palette.dim(` · ${file.repeatedInTraceback} quoted again in a traceback, counted once`) : ''
    lines.push(`${palette.bold('pgleak analyze')} ${file.path}  ${palette.dim(`${file.format} log · ${file.lines} lines · ${file.events} events`)}${skipped}${repeated}`)
    for (const note of file.notes) lines.push(`  ${palette.yellow('!')} ${note}`)
  }
  lines.push('')
  if (analysis.findings.length === 0) lines.push(palette.green('no findings: every checkout came back, no pool ran out'))
  for (const finding of analysis.findings) lines.push(renderFinding(palette, finding, width), '')
  lines.push(renderFindingCounts(analysis.findings))
  return lines.join('\n')
}

export function logAnalysisJsonDocument(analysis: PoolLogAnalysis): JsonDocument {
  const iso = (millis: number | null): string => (millis === null ? '' : new Date(millis).toISOString())
  return toJsonDocument({
    server: null,
    window: { from: iso(analysis.fromMillis), to: iso(analysis.toMillis), samples: analysis.ledger.events },
    findings: analysis.findings,
    extra: {
      logs: analysis.files.map((f) => ({
        path: f.path,
        format: f.format,
        lines: f.lines,
        events: f.events,
        skippedLines: f.skipped.count,
        firstSkippedLines: f.skipped.firstLineNumbers,
        overLongLines: f.skipped.overLong,
        binaryLines: f.skipped.binary,
        unrecognisedPoolLines: f.unrecognisedPoolLines.count,
        firstUnrecognisedPoolLines: f.unrecognisedPoolLines.first,
        repeatedInTraceback: f.repeatedInTraceback,
        checkouts: f.checkouts,
        notes: f.notes,
      })),
    },
  })
}
