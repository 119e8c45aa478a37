const BLOCKS = '▁▂▃▄▅▆▇█'

/** A one-line chart of counts, scaled from `floor` (default 0; Infinity for the lowest value shown) to the highest. */
export function sparkline(values: readonly number[], width: number, floor = 0): string {
  const shown = values.slice(-width)
  if (shown.length === 0) return ''
  const low = Math.min(floor, ...shown)
  const high = Math.max(...shown)
  const span = high - low
  return shown
    .map((value) => BLOCKS[span === 0 ? 0 : Math.min(BLOCKS.length - 1, Math.floor(((value - low) / span) * (BLOCKS.length - 1) + 0.5))])
    .join('')
}
