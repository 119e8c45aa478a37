// The run's connections over time as a Mermaid xychart, which GitHub draws in
// Markdown: a suite that leaks a connection per test shows as a staircase in
// the pull request, where a table of numbers would be read past.

/** GitHub draws a line of a few dozen points legibly; more only crowd the axis. */
const MAX_POINTS = 40

interface Point {
  readonly atMillis: number
  readonly count: number
}

/**
 * The points cut down to at most MAX_POINTS, each the highest count of its span: a peak must not be
 * averaged away, it is what the run is judged on.
 */
function highestPerSpan(points: readonly Point[]): Point[] {
  if (points.length <= MAX_POINTS) return [...points]
  const fromMillis = points[0]!.atMillis
  const spanMillis = (points[points.length - 1]!.atMillis - fromMillis) / MAX_POINTS
  const spans: Point[] = []
  for (const point of points) {
    const index = Math.min(MAX_POINTS - 1, Math.floor((point.atMillis - fromMillis) / spanMillis))
    const at = fromMillis + index * spanMillis
    const last = spans[spans.length - 1]
    if (last && last.atMillis === at) spans[spans.length - 1] = { atMillis: at, count: Math.max(last.count, point.count) }
    else spans.push({ atMillis: at, count: point.count })
  }
  return spans
}

function secondsLabel(millis: number, totalMillis: number): string {
  // Whole seconds, or tenths for a run shorter than ten seconds.
  const seconds = millis / 1000
  return totalMillis < 10_000 ? `${Math.round(seconds * 10) / 10}` : `${Math.round(seconds)}`
}

/** A fenced ```mermaid block, or undefined for a run of fewer than two polls (nothing to draw). */
export function runChartMermaid(points: readonly Point[], title: string): string | undefined {
  if (points.length < 2) return undefined
  const shown = highestPerSpan(points)
  const fromMillis = shown[0]!.atMillis
  const totalMillis = shown[shown.length - 1]!.atMillis - fromMillis
  const peak = Math.max(...shown.map((p) => p.count))
  return [
    '```mermaid',
    'xychart-beta',
    `    title "${title.replace(/"/g, "'")}"`,
    `    x-axis "seconds into the run" [${shown.map((p) => secondsLabel(p.atMillis - fromMillis, totalMillis)).join(', ')}]`,
    `    y-axis "client connections" 0 --> ${Math.max(1, peak)}`,
    `    line [${shown.map((p) => p.count).join(', ')}]`,
    '```',
  ].join('\n')
}
