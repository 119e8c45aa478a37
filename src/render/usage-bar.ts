import type { Palette } from './colors.js'

/** `[██████░░░░]`: how full a limit is, coloured by how close it is. */
export function usageBar(palette: Palette, used: number, limit: number, width = 30): string {
  const ratio = limit > 0 ? Math.min(1, used / limit) : 1
  const filled = Math.round(ratio * width)
  const colour = ratio >= 0.9 ? palette.red : ratio >= 0.75 ? palette.yellow : palette.green
  return `[${colour('█'.repeat(filled))}${palette.dim('░'.repeat(width - filled))}]`
}

export function percent(used: number, limit: number): string {
  return limit > 0 ? `${Math.round((used / limit) * 100)}%` : '-'
}
