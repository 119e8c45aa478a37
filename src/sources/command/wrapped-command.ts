// The command `check` wraps: run in a process group of its own, with the
// terminal passed through, so pgleak can forward signals to everything it
// started and tell its exit apart from its children's.
import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { constants } from 'node:os'
import { PgleakError } from '../../errors.js'

export interface CommandExit {
  readonly exitCode: number | null
  readonly signal: NodeJS.Signals | null
}

/** A process of the command's group still running after the command itself exited. */
export interface GroupProcess {
  readonly pid: number
  readonly command: string
}

export interface StartOptions {
  /** Send the command's stdout to pgleak's stderr: stdout then holds only pgleak's document. */
  readonly stdoutToStderr?: boolean
}

/** How long the group gets to go after SIGTERM before SIGKILL. */
const END_GRACE_MILLIS = 2000

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
  static async start(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, options: StartOptions = {}): Promise<WrappedCommand> {
    const [file, ...args] = argv
    if (!file) throw new PgleakError('USAGE', 'no command after --', { hint: 'Write it as: pgleak check -- npm test' })
    const child = spawn(file, args, { stdio: ['inherit', options.stdoutToStderr ? process.stderr : 'inherit', 'inherit'], detached: true, env })
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

  /**
   * The processes of the command's group still running (what it started in the background and left):
   * read from /proc where there is one; elsewhere only whether any is left, as one entry without a pid.
   */
  groupProcesses(): GroupProcess[] {
    const group = this.#child.pid
    if (group === undefined || !isGroupAlive(group)) return []
    try {
      const found: GroupProcess[] = []
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue
        const stat = readProcFile(`/proc/${entry}/stat`)
        // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so read after the last ')'.
        const afterName = stat?.slice(stat.lastIndexOf(')') + 2).split(' ')
        if (!afterName || Number(afterName[2]) !== group || afterName[0] === 'Z') continue
        const command = (readProcFile(`/proc/${entry}/cmdline`) ?? '').split('\0').filter(Boolean).join(' ')
        found.push({ pid: Number(entry), command: command || (stat!.slice(stat!.indexOf('(') + 1, stat!.lastIndexOf(')'))) })
      }
      return found
    } catch {
      return [{ pid: 0, command: 'processes of its group (this system does not list them)' }]
    }
  }

  /** Ends what is left of the command's group: SIGTERM, then SIGKILL after a grace period. */
  async endGroup(): Promise<void> {
    const group = this.#child.pid
    if (group === undefined || !isGroupAlive(group)) return
    this.signal('SIGTERM')
    const deadline = Date.now() + END_GRACE_MILLIS
    while (isGroupAlive(group) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    if (isGroupAlive(group)) this.signal('SIGKILL')
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

function isGroupAlive(group: number): boolean {
  try {
    process.kill(-group, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function readProcFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}
