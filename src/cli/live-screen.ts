// The terminal side of the live view: the alternate screen (so the view is
// redrawn in place and the shell's scrollback is left as it was), a hidden
// cursor, and keys from raw-mode stdin.
import type { LiveKey } from '../render/live/live-navigation.js'
import { parseKeys } from './live-keys.js'

const ENTER_ALTERNATE = '\x1b[?1049h\x1b[?25l'
const LEAVE_ALTERNATE = '\x1b[?25h\x1b[?1049l'
const HOME = '\x1b[H'
const CLEAR_LINE_END = '\x1b[K'
const CLEAR_BELOW = '\x1b[J'

export class LiveScreen {
  readonly #out: NodeJS.WriteStream
  #isOpen = false
  #onKey: ((key: LiveKey) => void) | undefined

  constructor(out: NodeJS.WriteStream) {
    this.#out = out
  }

  get size(): { columns: number; rows: number } {
    return { columns: this.#out.columns || 80, rows: this.#out.rows || 24 }
  }

  open(onKey: (key: LiveKey) => void): void {
    this.#isOpen = true
    this.#out.write(ENTER_ALTERNATE)
    this.#onKey = onKey
    if (process.stdin.isTTY) {
      process.stdin.setRawMode(true)
      process.stdin.resume()
      process.stdin.on('data', this.#handleData)
    }
  }

  readonly #handleData = (data: Buffer): void => {
    for (const key of parseKeys(data.toString('utf8'))) this.#onKey?.(key)
  }

  draw(lines: readonly string[]): void {
    if (!this.#isOpen) return
    this.#out.write(`${HOME}${lines.map((line) => `${line}${CLEAR_LINE_END}`).join('\n')}${CLEAR_BELOW}`)
  }

  close(): void {
    if (!this.#isOpen) return
    this.#isOpen = false
    this.#out.write(LEAVE_ALTERNATE)
    if (process.stdin.isTTY) {
      process.stdin.off('data', this.#handleData)
      process.stdin.setRawMode(false)
      process.stdin.pause()
    }
  }
}
