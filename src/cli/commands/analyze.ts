import { Option, type Command } from 'commander'
import type { PoolSizeSpec } from '../../core/detectors/pool/index.js'
import { LOG_FORMAT_NAMES } from '../../sources/logs/log-format-names.js'
import { addJudgementOptions, type JudgementFlags } from '../judgement-options.js'
import { parseCountOption, parsePoolSize } from '../option-parsers.js'

export interface AnalyzeFlags extends JudgementFlags {
  /** Write a self-contained HTML report with charts here. */
  readonly html?: string
  readonly json: boolean
  readonly logFormat?: string
  /** The old spelling of --log-format, kept working. */
  readonly format?: string
  readonly color: boolean
  readonly maxConnections?: number
  readonly poolSize?: PoolSizeSpec
}

export function registerAnalyzeCommand(program: Command): void {
  const command = program
    .command('analyze')
    .summary('offline: pool logs, server logs, and recordings made with watch --record')
    .description(
      'Pool and server logs (SQLAlchemy pool logger, pgleak JSON lines from pgleak/node-pg, HikariCP, PostgreSQL with log_connections; ' +
        'files, gzip, or - for stdin) are read together and judged for pool-imbalance, pool-exhaustion, multiple-pools and churn. ' +
        'Recordings are replayed through the same detectors as the live watch, with the settings they were recorded with (flags given here override them).',
    )
    .argument('<file...>', 'logs (or - for stdin) and recordings made with pgleak watch --record')
    .option('--json', 'print the JSON document on stdout', false)
    .option('--html <file>', 'also write a self-contained HTML report: connections per group over time with the limits, each finding marked where it was first seen, and its card')
    .option('--log-format <name>', `read the logs as this format instead of detecting it: ${LOG_FORMAT_NAMES.join(', ')}`)
    // Its first name, which check uses for the report it writes: still read, no longer shown.
    .addOption(new Option('--format <name>').hideHelp())
    .option('--max-connections <n>', "the server's max_connections, to judge the pools' sizes against (less 3 reserved for superusers)", parseCountOption)
    .option('--pool-size <size+overflow>', 'the size of pools whose logs do not say it, e.g. 5+10 (SQLAlchemy pool_size + max_overflow) or 20', parsePoolSize)
  addJudgementOptions(command, { isOverTime: true })
    .option('--no-color', 'plain text output')
    .addHelpText('after', '\nExamples:\n  $ pgleak analyze app.log postgresql.log.gz\n  $ pgleak analyze --max-connections 30 --pool-size 5+10 gunicorn.log\n  $ pgleak analyze leak.ndjson')
    .action(async (files: string[], flags: AnalyzeFlags, cmd: Command) => {
      const { runAnalyze } = await import('../actions/analyze.js')
      process.exitCode = await runAnalyze(files, flags, cmd)
    })
}
