// Runs one of the real programs beside this file (Python with SQLAlchemy /
// psycopg2 / Flask, or node-postgres) against a test server, in a process
// group of its own so that its workers go with it.
import { spawn, type ChildProcess } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))

export interface ProgramSpec {
  /** `python/flask_connection_per_request_leak.py` or `node/healthy-pool.mjs`, from test/programs. */
  readonly script: string
  readonly application: string
  /** The program's timing knobs (RATE, PERIOD, ...), as its header describes them. */
  readonly env?: Readonly<Record<string, string>>
  readonly durationSeconds: number
}

export interface RunningProgram {
  readonly startedAtMillis: number
  /** Ends the program and its children; resolves with what it printed. */
  stop(): Promise<string>
}

export function startProgram(spec: ProgramSpec, databaseUrl: string, python: string | undefined): RunningProgram {
  const isPython = spec.script.endsWith('.py')
  if (isPython && !python) throw new Error('no python with the programs\' libraries')
  const command = isPython ? python! : process.execPath
  const child: ChildProcess = spawn(command, [join(here, spec.script)], {
    cwd: dirname(join(here, spec.script)),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...spec.env, DATABASE_URL: databaseUrl, APP_NAME: spec.application, DURATION: String(spec.durationSeconds), PYTHONUNBUFFERED: '1' },
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    startedAtMillis: Date.now(),
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL')
        } catch {
          // already gone
        }
      }
      await exited
      return output
    },
  }
}
