import type { Command } from 'commander'
import { addJudgementOptions, type JudgementFlags } from '../judgement-options.js'

export interface AnalyzeFlags extends JudgementFlags {
  readonly json: boolean
  readonly format?: string
  readonly color: boolean
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
    .option('--format <name>', 'read the logs as this format instead of detecting it: pgleak, sqlalchemy, hikaricp, postgres, postgres-csv, postgres-json, application')
  addJudgementOptions(command, { isOverTime: true })
    .option('--no-color', 'plain text output')
    .addHelpText('after', '\nExamples:\n  $ pgleak analyze app.log postgresql.log.gz\n  $ pgleak analyze leak.ndjson')
    .action(async (files: string[], flags: AnalyzeFlags, cmd: Command) => {
      const { runAnalyze } = await import('../actions/analyze.js')
      process.exitCode = await runAnalyze(files, flags, cmd)
    })
}
