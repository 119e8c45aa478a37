// A real terminal for the live view's tests: tmux runs pgleak in a pane of a
// given size, takes keys as a user types them, and hands back the screen as
// text. Each terminal has its own tmux server, so a user's sessions are never
// touched. Without tmux, the tests that need it are skipped, saying why.
import { execFileSync, spawnSync } from 'node:child_process'

export const tmuxBinary = ['/usr/bin/tmux', '/usr/local/bin/tmux', '/opt/homebrew/bin/tmux'].find((path) => spawnSync(path, ['-V']).status === 0)

export const NO_TMUX = 'skipped: tmux not installed (apt-get install tmux)'

export class TmuxTerminal {
  readonly #socket = `pgleak-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`

  constructor(command: readonly string[], size: { columns: number; rows: number }, env: Readonly<Record<string, string>> = {}) {
    const quoted = command.map((part) => `'${part.replace(/'/g, `'\\''`)}'`).join(' ')
    const exports = Object.entries(env).map(([name, value]) => `${name}='${value.replace(/'/g, `'\\''`)}'`)
    // `; sleep` keeps the pane (and what pgleak printed last) after it exits, for the test to read.
    this.#tmux(['new-session', '-d', '-s', 'pgleak', '-x', String(size.columns), '-y', String(size.rows), `env ${exports.join(' ')} ${quoted}; echo "exit $?"; sleep 600`])
  }

  #tmux(args: readonly string[]): string {
    return execFileSync(tmuxBinary!, ['-L', this.#socket, '-f', '/dev/null', ...args], { encoding: 'utf8' })
  }

  /** The screen as plain text, one string per row, trailing blanks cut. */
  screen(): string[] {
    return this.#tmux(['capture-pane', '-p', '-t', 'pgleak'])
      .replace(/\n$/, '')
      .split('\n')
      .map((line) => line.trimEnd())
  }

  /** Keys in tmux's names: `Enter`, `Escape`, `Tab`, `Down`, or text. */
  press(...keys: readonly string[]): void {
    for (const key of keys) this.#tmux(['send-keys', '-t', 'pgleak', key])
  }

  resize(size: { columns: number; rows: number }): void {
    this.#tmux(['resize-window', '-t', 'pgleak', '-x', String(size.columns), '-y', String(size.rows)])
  }

  /** Waits until the screen shows what `predicate` looks for; on timeout, the error carries the last screen. */
  async waitFor(predicate: (screen: string) => boolean, timeoutMillis: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMillis
    for (;;) {
      const screen = this.screen()
      if (predicate(screen.join('\n'))) return screen
      if (Date.now() > deadline) throw new Error(`the screen never showed what was waited for; it shows:\n${screen.join('\n')}`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }

  close(): void {
    spawnSync(tmuxBinary!, ['-L', this.#socket, 'kill-server'])
  }
}
