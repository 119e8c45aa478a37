import { Option, type Command } from 'commander'
import { addJudgementOptions, thresholdsGivenTo, type JudgementFlags } from '../judgement-options.js'
import { collectRepeated, parseDurationOption } from '../option-parsers.js'

export interface ServeFlags extends Omit<JudgementFlags, 'failOn'> {
  /** Undefined when none was given: then DATABASE_URL or the libpq variables. */
  readonly dsn?: readonly string[]
  readonly targets?: string
  readonly listen: string
  readonly interval: number
  readonly connectTimeout: number
  readonly json: boolean
}


export function registerServeCommand(program: Command): void {
  const command = program
    .command('serve')
    .summary('many databases, always on: Prometheus metrics and findings over HTTP')
    .description(
      'Watches every target at once, each over its own one connection with its own backoff, with the same detectors as watch, and serves ' +
        'Prometheus metrics at /metrics, the JSON document per target at /findings and /healthz. SIGHUP reads the targets file again; SIGINT and SIGTERM stop it.',
    )
    .option('--dsn <url>', 'a database to watch (repeatable; default: DATABASE_URL, else PGHOST/PGUSER/... and ~/.pgpass)', collectRepeated)
    .addOption(new Option('--targets <file>', 'a JSON file of targets with a name and labels each (read again on SIGHUP)').env('PGLEAK_TARGETS'))
    .addOption(new Option('--listen <host:port>', 'where to serve /metrics, /findings and /healthz').env('PGLEAK_LISTEN').default('127.0.0.1:9187'))
    .option('--interval <duration>', 'time between polls of each target', parseDurationOption, 1)
    .option('--connect-timeout <duration>', 'give up connecting after this long', parseDurationOption, 10)
    .option('--json', "print /findings' document on stdout when it stops", false)
  addJudgementOptions(command, { isOverTime: true, hasFailOn: false })
    .addHelpText(
      'after',
      '\nExamples:\n  $ pgleak serve --dsn postgres://pgleak@orders-db/orders --dsn postgres://pgleak@billing-db/billing\n  $ pgleak serve --targets targets.json --listen 0.0.0.0:9187',
    )
    .action(async (flags: ServeFlags, cmd: Command) => {
      const { runServe } = await import('../actions/serve.js')
      process.exitCode = await runServe(flags, thresholdsGivenTo(cmd, flags))
    })
}
