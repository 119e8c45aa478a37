// The command `check` wraps: run in a process group of its own, with the
// terminal passed through, so pgleak can forward signals to everything it
// started and tell its exit apart from its children's.
import { spawn, type ChildProcess } from 'node:child_process'
import { constants } from 'node:os'
import { PgleakError } from '../../errors.js'

export interface CommandExit {
  readonly exitCode: number | null
  readonly signal: NodeJS.Signals | null
}

export class WrappedCommand {
  readonly argv: readonly string[]
  readonly exited: Promise<CommandExit>
  readonly #child: ChildProcess

  private constructor(argv: readonly string[], child: ChildProcess, exited: Promise<CommandExit>) {
    this.argv = argv
    this.#child = child
    this.exited = exited
  }

  /** Starts the command; resolves once it is running, or throws when it cannot start. */
  static async start(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<WrappedCommand> {
    const [file, ...args] = argv
    if (!file) throw new PgleakError('USAGE', 'no command after --', { hint: 'Write it as: pgleak check -- npm test' })
    const child = spawn(file, args, { stdio: 'inherit', detached: true, env })
    const exited = new Promise<CommandExit>((resolve) => child.once('exit', (exitCode, signal) => resolve({ exitCode, signal })))
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve())
      child.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new PgleakError('USAGE', `cannot run '${file}': ${error.code === 'ENOENT' ? 'command not found' : error.message}`, {
            cause: error,
            hint: 'Check the command after --, and that it is on PATH.',
          }),
        ),
      )
    })
    return new WrappedCommand(argv, child, exited)
  }

  /** Sends a signal to the command's whole process group: what it started goes too. */
  signal(signal: NodeJS.Signals): void {
    const pid = this.#child.pid
    if (pid === undefined) return
    try {
      process.kill(-pid, signal)
    } catch {
      // The group is gone already.
    }
  }
}

/** A shell's exit status for a command: its code, or 128 + the number of the signal that ended it. */
export function exitStatusOf(exit: CommandExit): number {
  if (exit.exitCode !== null) return exit.exitCode
  const number = exit.signal ? constants.signals[exit.signal] : undefined
  return number === undefined ? 1 : 128 + number
}
