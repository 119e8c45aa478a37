// The command-line shell: flags in, library call, renderer out, exit code.
// The only place that sets process.exitCode or prints errors.
import { Command, CommanderError } from 'commander'
import { exitCodeFor, isPgleakError } from '../errors.js'
import { PGLEAK_VERSION } from '../version.js'
import { registerAnalyzeCommand } from './commands/analyze.js'
import { registerAuditCommand } from './commands/audit.js'
import { registerCheckCommand } from './commands/check.js'
import { registerDemoCommand } from './commands/demo.js'
import { registerListenerCommand } from './commands/listener.js'
import { registerServeCommand } from './commands/serve.js'
import { registerWatchCommand } from './commands/watch.js'
import { HELP_CONFIGURATION } from './help-defaults.js'

export function createProgram(): Command {
  const program = new Command()
    .name('pgleak')
    .description('Find PostgreSQL connection leaks: sessions idle in transaction, connection counts near max_connections, and what to do about them.')
    .version(PGLEAK_VERSION, '-v, --version')
    .option('--debug', 'on errors, also print the underlying cause')
    .showSuggestionAfterError(true)
    .configureHelp(HELP_CONFIGURATION)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`pgleak: ${text.replace(/^error: /, '')}`) })
  registerWatchCommand(program)
  registerAuditCommand(program)
  registerCheckCommand(program)
  registerAnalyzeCommand(program)
  registerServeCommand(program)
  registerDemoCommand(program)
  registerListenerCommand(program)
  program.addHelpText(
    'after',
    `
Examples:
  $ npx pgleak watch --dsn postgres://app@localhost/shop   live view while you reproduce a leak
  $ pgleak audit --dsn postgres://app@localhost/shop       one-off report of a database's connections
  $ npx pgleak check -- npm test                           fail CI when the test suite leaks connections
  $ pgleak analyze leak.ndjson                             replay a recording made with watch --record
  $ npx pgleak demo                                        see it find a leak on a throwaway server
  $ pgleak serve --targets targets.json                    many databases, metrics for Prometheus

Exit codes: 0 healthy, 1 a finding at or above --fail-on, 2 usage error, 3 cannot reach the database.`,
  )
  return program
}

function printError(message: string): void {
  process.stderr.write(`pgleak: ${message}\n`)
}

/** Set once the first closed-pipe error is handled: stdout and stderr may both report one. */
let isOutputClosed = false

/**
 * A reader that stops early (`pgleak audit | head`) closes the pipe: stop there, quietly, as Unix
 * tools do, rather than with a write error's stack trace. The exit code is whatever the command had
 * decided by then.
 */
function stopWhenOutputIsClosed(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    // A terminal that was closed (EIO, after SIGHUP): the run is stopping by the signal and must get to
    // its cleanup (the demo's server, the recording), so the write is dropped rather than thrown.
    if (error.code === 'EIO') return
    if (error.code !== 'EPIPE') throw error
    if (isOutputClosed) return
    isOutputClosed = true
    // A reader that went away (`| head`): a run that stops on SIGTERM (watch, demo, check, serve) stops
    // as it would on it, finishing its recording and report and shutting the demo's server down;
    // anything else simply ends.
    if (process.listenerCount('SIGTERM') > 0) process.emit('SIGTERM', 'SIGTERM')
    else process.exit(process.exitCode ?? 0)
  })
}

export async function main(argv: readonly string[]): Promise<void> {
  stopWhenOutputIsClosed(process.stdout)
  stopWhenOutputIsClosed(process.stderr)
  const program = createProgram()
  try {
    await program.parseAsync([...argv])
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version "fail" with exit code 0; everything else commander throws is a usage error.
      process.exitCode = error.exitCode === 0 ? 0 : 2
      return
    }
    if (isPgleakError(error)) {
      printError(error.hint ? `${error.message}. ${error.hint}` : error.message)
      if (program.opts<{ debug?: boolean }>().debug && error.detail) process.stderr.write(`pgleak: cause: ${error.detail}\n`)
      process.exitCode = exitCodeFor(error)
      return
    }
    throw error
  }
}

await main(process.argv)
