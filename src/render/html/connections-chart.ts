// Client connections per group over time as an inline SVG: stacked areas,
// the usable-slot and max_connections lines, and a numbered marker where each
// finding was first seen. No script: the file opens offline and prints.
import { extentOf } from '../../core/series-math.js'
import { escapeXml } from '../xml-escape.js'

export interface ChartSeries {
  readonly name: string
  /** Oldest first. */
  readonly points: readonly { readonly atMillis: number; readonly count: number }[]
}

export interface ChartMarker {
  readonly atMillis: number
  /** Shown in the marker's circle; the card below carries the same. */
  readonly label: string
  readonly title: string
  readonly severity: 'info' | 'warning' | 'error'
}

export interface ConnectionsChart {
  readonly series: readonly ChartSeries[]
  readonly usableSlots?: number
  readonly maxConnections?: number
  readonly markers: readonly ChartMarker[]
  /** What the y axis counts. (Default: connections.) */
  readonly yLabel?: string
  /** Single moments drawn as small ticks under the time axis, such as checkouts never returned. */
  readonly moments?: readonly { readonly atMillis: number; readonly title: string }[]
}

const WIDTH = 960
const HEIGHT = 340
const MARGIN = { top: 16, right: 150, bottom: 36, left: 48 }
/** Columns drawn at most: a day of 1 s polls is 86,400, a screen shows a few hundred. */
const MAX_COLUMNS = 480
const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#bab0ac', '#e15759']
const SEVERITY_COLORS = { info: '#6b7280', warning: '#d97706', error: '#dc2626' } as const

/** Each series' highest count per column: a peak between two columns must still show. */
function columns(series: readonly ChartSeries[], fromMillis: number, toMillis: number): { atMillis: number; counts: number[] }[] {
  const times = [...new Set(series.flatMap((s) => s.points.map((p) => p.atMillis)))].sort((a, b) => a - b)
  const columnMillis = Math.max(1, (toMillis - fromMillis) / MAX_COLUMNS)
  const out: { atMillis: number; counts: number[] }[] = []
  const cursor = series.map(() => 0)
  const value = series.map(() => 0)
  for (const at of times) {
    // Each series' latest count at `at` (0 before its first point: the group had no connection yet).
    series.forEach((s, i) => {
      while (cursor[i]! < s.points.length && s.points[cursor[i]!]!.atMillis <= at) value[i] = s.points[cursor[i]!++]!.count
    })
    const columnAt = times.length <= MAX_COLUMNS ? at : fromMillis + Math.floor((at - fromMillis) / columnMillis) * columnMillis
    const last = out[out.length - 1]
    if (last && last.atMillis === columnAt) value.forEach((v, i) => (last.counts[i] = Math.max(last.counts[i]!, v)))
    else out.push({ atMillis: columnAt, counts: [...value] })
  }
  return out
}

/** About five round steps from 0 to at least `max`. */
function ticks(max: number): number[] {
  const raw = Math.max(1, max) / 5
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!
  const out: number[] = []
  for (let v = 0; v <= max + step * 0.001; v += step) out.push(Math.round(v * 1000) / 1000)
  if (out[out.length - 1]! < max) out.push(out[out.length - 1]! + step)
  return out
}

function clock(millis: number, spanMillis: number): string {
  const iso = new Date(millis).toISOString()
  if (spanMillis >= 2 * 86_400_000) return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`
  // A log of a few seconds needs its milliseconds, or every tick reads the same second.
  return spanMillis < 10_000 ? iso.slice(11, 23) : iso.slice(11, 19)
}

export function renderConnectionsChart(chart: ConnectionsChart): string {
  const span = extentOf(chart.series.flatMap((s) => s.points.map((p) => p.atMillis)))
  if (!span) return '<p class="empty">No poll was answered: nothing to draw.</p>'
  const fromMillis = span.min
  const toMillis = Math.max(fromMillis + 1000, span.max)
  const cols = columns(chart.series, fromMillis, toMillis)
  const stackedMax = Math.max(1, extentOf(cols.map((c) => c.counts.reduce((a, b) => a + b, 0)))?.max ?? 0)
  const yTicks = ticks(Math.max(stackedMax, chart.usableSlots ?? 0, chart.maxConnections ?? 0))
  const yMax = yTicks[yTicks.length - 1]!
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom
  const x = (millis: number): number => MARGIN.left + ((millis - fromMillis) / (toMillis - fromMillis)) * plotWidth
  const y = (count: number): number => MARGIN.top + plotHeight - (count / yMax) * plotHeight
  const f = (n: number): string => n.toFixed(1)

  const parts: string[] = []
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}">`)
  parts.push(`<title>${escapeXml(chart.yLabel ?? 'connections')} over time</title>`)
  // Axes and grid.
  parts.push(`<g class="y-axis" font-size="11" fill="#374151">`)
  for (const t of yTicks) {
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${f(y(t))}" y2="${f(y(t))}" stroke="#e5e7eb"/>`)
    parts.push(`<text class="tick" x="${MARGIN.left - 6}" y="${f(y(t) + 4)}" text-anchor="end">${t}</text>`)
  }
  parts.push(`<text x="12" y="${MARGIN.top + plotHeight / 2}" transform="rotate(-90 12 ${MARGIN.top + plotHeight / 2})" text-anchor="middle">${escapeXml(chart.yLabel ?? 'connections')}</text></g>`)
  parts.push(`<g class="x-axis" font-size="11" fill="#374151">`)
  for (let i = 0; i <= 5; i++) {
    const at = fromMillis + ((toMillis - fromMillis) * i) / 5
    parts.push(`<text class="tick" x="${f(x(at))}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${clock(at, toMillis - fromMillis)}</text>`)
  }
  parts.push(`<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 4}" text-anchor="middle">time (UTC)</text></g>`)

  // Stacked areas, bottom series first, drawn as steps: a count holds until the next poll.
  const base = cols.map(() => 0)
  chart.series.forEach((series, i) => {
    const top = cols.map((c, j) => base[j]! + c.counts[i]!)
    const upper: string[] = []
    const lower: string[] = []
    const nextAt = (j: number): number => cols[j + 1]?.atMillis ?? toMillis
    // Along the top left to right, then back along the bottom right to left, each step flat.
    cols.forEach((c, j) => upper.push(`${f(x(c.atMillis))},${f(y(top[j]!))}`, `${f(x(nextAt(j)))},${f(y(top[j]!))}`))
    for (let j = cols.length - 1; j >= 0; j--) lower.push(`${f(x(nextAt(j)))},${f(y(base[j]!))}`, `${f(x(cols[j]!.atMillis))},${f(y(base[j]!))}`)
    const color = COLORS[i % COLORS.length]!
    parts.push(
      `<path class="series" data-group="${escapeXml(series.name)}" d="M${upper.join(' L')} L${lower.join(' L')} Z" fill="${color}" fill-opacity="0.75" stroke="${color}" stroke-width="0.5"><title>${escapeXml(series.name)}</title></path>`,
    )
    top.forEach((v, j) => (base[j] = v))
  })

  // Limits.
  const limitLine = (value: number | undefined, cls: string, label: string, color: string, labelDy: number): void => {
    if (value === undefined) return
    parts.push(`<g class="${cls}"><line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${f(y(value))}" y2="${f(y(value))}" stroke="${color}" stroke-width="1.5" stroke-dasharray="6 4"/>`)
    parts.push(`<text x="${MARGIN.left + plotWidth + 4}" y="${f(y(value) + labelDy)}" font-size="11" fill="${color}">${label} ${value}</text></g>`)
  }
  // Two limits a few slots apart would print their labels over each other: one goes above its line, one below.
  const isClose = chart.maxConnections !== undefined && chart.usableSlots !== undefined && Math.abs(y(chart.maxConnections) - y(chart.usableSlots)) < 12
  limitLine(chart.maxConnections, 'limit max-connections', 'max_connections', '#991b1b', isClose ? -3 : 4)
  if (chart.usableSlots !== chart.maxConnections) limitLine(chart.usableSlots, 'limit usable-slots', 'usable slots', '#dc2626', isClose ? 12 : 4)

  // Findings where they were first seen.
  for (const marker of chart.markers) {
    const mx = f(x(Math.min(toMillis, Math.max(fromMillis, marker.atMillis))))
    const color = SEVERITY_COLORS[marker.severity]
    parts.push(
      `<a href="#finding-${escapeXml(marker.label)}"><g class="marker" data-finding="${escapeXml(marker.label)}"><title>${escapeXml(marker.title)}</title>` +
        `<line x1="${mx}" x2="${mx}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight}" stroke="${color}" stroke-width="1" stroke-dasharray="2 3"/>` +
        `<circle cx="${mx}" cy="${MARGIN.top + 9}" r="9" fill="${color}"/><text x="${mx}" y="${MARGIN.top + 13}" text-anchor="middle" font-size="11" fill="#fff">${escapeXml(marker.label)}</text></g></a>`,
    )
  }

  // Moments, as ticks just above the time axis: many may fall close together, so they are small.
  for (const moment of chart.moments ?? []) {
    const mx = x(Math.min(toMillis, Math.max(fromMillis, moment.atMillis)))
    const base = MARGIN.top + plotHeight
    parts.push(`<path class="moment" d="M${f(mx)},${f(base - 8)} L${f(mx - 4)},${f(base)} L${f(mx + 4)},${f(base)} Z" fill="#dc2626"><title>${escapeXml(moment.title)}</title></path>`)
  }

  // Legend, beside the plot.
  parts.push(`<g class="legend" font-size="11" fill="#111827">`)
  chart.series.slice(0, 14).forEach((series, i) => {
    const ly = MARGIN.top + 40 + i * 18
    parts.push(`<rect x="${MARGIN.left + plotWidth + 8}" y="${ly - 9}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${MARGIN.left + plotWidth + 22}" y="${ly}">${escapeXml(series.name.length > 18 ? `${series.name.slice(0, 17)}…` : series.name)}</text>`)
  })
  parts.push('</g></svg>')
  return parts.join('\n')
}
