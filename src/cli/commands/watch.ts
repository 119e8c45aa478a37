import type { Command } from 'commander'
import { addConnectionOptions, type ConnectionFlags } from '../connection-options.js'
import { addJudgementOptions, thresholdsGivenTo, type JudgementFlags } from '../judgement-options.js'
import { parseDurationOption } from '../option-parsers.js'

export interface WatchFlags extends ConnectionFlags, JudgementFlags {
  /** Write a self-contained HTML report with charts here. */
  readonly html?: string
  readonly interval: number
  readonly duration?: number
  readonly record?: string
  readonly poolLog?: string
  readonly poolLogFormat?: string
  readonly json: boolean
  readonly ndjson: boolean
  readonly color: boolean
}

export function registerWatchCommand(program: Command): void {
  const command = program
    .command('watch')
    .summary('live view of connections while you reproduce a problem')
    .description(
      'Polls pg_stat_activity every --interval over one connection and shows, live, connections per group with their trend and the findings as they appear: ' +
        'connection-growth, churn, abandoned-connections, idle-in-transaction, headroom. On a terminal: ↑↓ select a finding or group, Tab switches between them, Enter opens one (the sessions of a group, the evidence and advice of a finding), Esc goes back, s sorts, p pauses, q quits. Prints every finding seen when it ends.',
    )
  addWatchRunOptions(addConnectionOptions(command), 'until q or Ctrl-C')
    .option('--pool-log <file>', "follow this pool log as it grows and join its checkouts to the server's sessions")
    .option('--pool-log-format <name>', 'its format, when it should not be detected')
  addJudgementOptions(command, { isOverTime: true })
    .option('--no-color', 'plain text output')
    .addHelpText('after', '\nExamples:\n  $ npx pgleak watch --dsn postgres://app@localhost/shop\n  $ pgleak watch --duration 10m --record leak.ndjson --json > findings.json')
    .action(async (flags: WatchFlags, cmd: Command) => {
      const { runWatch, watchOptionsFrom } = await import('../actions/watch.js')
      process.exitCode = await runWatch(flags, watchOptionsFrom(flags, thresholdsGivenTo(cmd, flags)))
    })
}

/** How a watch runs and what it prints: shared by watch and demo. */
export function addWatchRunOptions(command: Command, durationDefault: string): Command {
  return command
    .option('--interval <duration>', 'time between polls', parseDurationOption, 1)
    .option('--duration <duration>', `stop after this long (default: ${durationDefault})`, parseDurationOption)
    .option('--record <file>', 'append every snapshot to this NDJSON file, for pgleak analyze')
    .option('--html <file>', 'also write a self-contained HTML report: connections per group over time with the limits, each finding marked where it was first seen, and its card')
    .option('--json', 'print the JSON document on stdout at the end', false)
    .option('--ndjson', 'print one JSON line per poll on stdout', false)
}
