// One place decides whether output has colour: --no-color, NO_COLOR and
// FORCE_COLOR, then whether the stream is a terminal. Renderers take the
// resulting palette; none of them reads the environment.
import { Chalk, type ChalkInstance } from 'chalk'
import type { Severity } from '../core/finding.js'

export type Palette = ChalkInstance

export function createPalette(options: { isColor: boolean }): Palette {
  return new Chalk({ level: options.isColor ? 1 : 0 })
}

export function shouldUseColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, noColorFlag: boolean): boolean {
  if (noColorFlag || (env.NO_COLOR !== undefined && env.NO_COLOR !== '')) return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true
  return stream.isTTY === true && env.TERM !== 'dumb'
}

export function severityBadge(palette: Palette, severity: Severity): string {
  switch (severity) {
    case 'error':
      return palette.red.bold('ERROR')
    case 'warning':
      return palette.yellow.bold('WARN ')
    case 'info':
      return palette.cyan('info ')
  }
}
