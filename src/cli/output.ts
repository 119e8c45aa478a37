// Where the CLI writes. Kept in one place so tests and commands agree on
// which stream carries what: the JSON document alone on stdout with --json.
import { createPalette, shouldUseColor, type Palette } from '../render/colors.js'

export interface OutputOptions {
  readonly color: boolean
}

export function stdoutPalette(options: OutputOptions): Palette {
  return createPalette({ isColor: shouldUseColor(process.stdout, process.env, !options.color) })
}

export function stderrPalette(options: OutputOptions): Palette {
  return createPalette({ isColor: shouldUseColor(process.stderr, process.env, !options.color) })
}

export function writeJson(document: unknown): void {
  process.stdout.write(`${JSON.stringify(document, null, 2)}\n`)
}

/** Columns to wrap prose at: the terminal's, capped so paragraphs stay readable on wide screens. */
export function terminalWidth(): number {
  return Math.min((process.stdout.columns || 101) - 1, 120)
}
