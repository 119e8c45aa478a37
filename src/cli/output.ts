// Where the CLI writes. Kept in one place so tests and commands agree on
// which stream carries what: the JSON document alone on stdout with --json.
import { writeFileSync } from 'node:fs'
import { PgleakError } from '../errors.js'
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

/** A report written to a file the user named (`--output`, `--html`), or a one-line error saying how to fix the path. */
export function writeReportFile(path: string, report: string, flag: string, example: string): void {
  try {
    writeFileSync(path, report)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const hint =
      code === 'EISDIR'
        ? `Give ${flag} a file name, not a folder: ${flag} ${example}.`
        : code === 'ENOENT'
          ? `Create the report's folder first, or give ${flag} a path in one that exists.`
          : 'Check that this user can write there.'
    throw new PgleakError('FILE_UNREADABLE', `cannot write ${path}: ${(error as Error).message}`, { cause: error, hint })
  }
}
