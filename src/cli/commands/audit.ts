import type { Command } from 'commander'
import { addConnectionOptions, type ConnectionFlags } from '../connection-options.js'
import { addJudgementOptions, thresholdsGivenTo, type JudgementFlags } from '../judgement-options.js'

export interface AuditFlags extends ConnectionFlags, JudgementFlags {
  readonly json: boolean
  readonly color: boolean
}

export function registerAuditCommand(program: Command): void {
  const command = program
    .command('audit')
    .summary("one-off report of a database's connection health")
    .description(
      'Takes one snapshot of pg_stat_activity and the settings that bound connections, and reports usage against the usable slots, ' +
        'who holds the connections, and findings (headroom, idle-in-transaction, config) with evidence and advice.',
    )
  addConnectionOptions(command).option('--json', 'print the JSON document on stdout', false)
  addJudgementOptions(command, { isOverTime: false })
    .option('--no-color', 'plain text output')
    .addHelpText('after', '\nExample:\n  $ pgleak audit --dsn postgres://app@db.internal/shop --group-by app,user --ignore app=pg_dump')
    .action(async (flags: AuditFlags, cmd: Command) => {
      const { runAudit } = await import('../actions/audit.js')
      process.exitCode = await runAudit(flags, thresholdsGivenTo(cmd, flags))
    })
}
