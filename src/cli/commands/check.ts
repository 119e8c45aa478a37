import { InvalidArgumentError, type Command } from 'commander'
import { CHECK_THRESHOLDS } from '../../core/thresholds.js'
import { loadConfig, applyConfig } from '../config-file.js'
import { addConnectionOptions, type ConnectionFlags } from '../connection-options.js'
import { addJudgementOptions, thresholdsGivenTo, type JudgementFlags } from '../judgement-options.js'
import { parseCountOption, parseDurationOption } from '../option-parsers.js'

export const CHECK_FORMATS = ['text', 'json', 'junit', 'github', 'markdown'] as const
export type CheckFormat = (typeof CHECK_FORMATS)[number]

export interface CheckFlags extends ConnectionFlags, JudgementFlags {
  /** Write a self-contained HTML report with charts here. */
  readonly html?: string
  readonly interval: number
  readonly settle: number
  readonly app?: string
  readonly user?: string
  readonly database?: string
  readonly maxConnections?: number
  readonly maxConnectsPerMinute?: number
  readonly format: CheckFormat
  readonly output?: string
  readonly json: boolean
  readonly config?: string
  readonly poolLog?: string
  readonly poolLogFormat?: string
  readonly color: boolean
}

function parseFormat(value: string): CheckFormat {
  if (!(CHECK_FORMATS as readonly string[]).includes(value)) throw new InvalidArgumentError(`use one of ${CHECK_FORMATS.join(', ')}.`)
  return value as CheckFormat
}

export function registerCheckCommand(program: Command): void {
  const command = program
    .command('check')
    .summary('CI gate: fail when a command leaks connections')
    .description(
      'With a command after --: takes a baseline, runs the command (stdio passed through, signals forwarded), watches the sessions in scope while it runs, ' +
        'waits --settle for connections to close, and fails on connections left open, connection growth, a peak over --max-connections, sessions idle in ' +
        'transaction, churn and abandoned connections. Without a command: judges the database as it is against the thresholds. ' +
        'Options can also come from pgleak.config.json or the "pgleak" key of package.json; flags win.',
    )
    .argument('[command...]', 'the command to wrap, after --')
  addConnectionOptions(command)
    .option('--interval <duration>', 'time between polls while the command runs', parseDurationOption, 0.5)
    .option('--settle <duration>', 'how long to wait after the command for its connections to close', parseDurationOption, 5)
    .option('--database <name>', "the run's sessions are this database's (default: the DSN's)")
    .option('--user <name>', "the run's sessions are this user's")
    .option('--app <pattern>', "the run's sessions have this application_name (* matches anything)")
    .option('--max-connections <n>', 'fail when the run holds more connections than this at once', parseCountOption)
    .option('--max-connects-per-minute <n>', 'fail when the run opens connections faster than this', parseCountOption)
    .option('--format <format>', `report on stdout (or --output) as ${CHECK_FORMATS.join(', ')}`, parseFormat, 'text')
    .option('--output <file>', 'write the --format report to this file')
    .option('--html <file>', 'also write a self-contained HTML report: connections per group over time with the limits, each finding marked where it was first seen, and its card')
    .option('--json', 'same as --format json', false)
    .option('--config <file>', 'read options from this file (default: pgleak.config.json, else package.json "pgleak")')
    .option('--pool-log <file>', 'follow this pool log while the command runs, and judge its checkouts too')
    .option('--pool-log-format <name>', 'its format, when it should not be detected')
  // A gate fails on what it was told to look for: warnings fail (and usage only at --max-usage), and a
  // test suite is short, so connections unused for 10 s already count as abandoned.
  addJudgementOptions(command, { isOverTime: true, defaults: { failOn: 'warning', abandonedAfterSeconds: CHECK_THRESHOLDS.abandonedAfterSeconds } })
    .option('--no-color', 'plain text output')
  command
    .addHelpText(
      'after',
      '\nExamples:\n  $ npx pgleak check -- npm test\n  $ pgleak check --max-connections 20 --format junit --output pgleak.xml -- pytest\n  $ pgleak check --max-usage 80 --max-idle-in-transaction 60s',
    )
    .action(async (argv: string[], flags: CheckFlags, cmd: Command) => {
      const config = loadConfig(process.cwd(), flags.config)
      if (config) applyConfig(cmd, config)
      const resolved = cmd.opts<CheckFlags>()
      const { runCheck } = await import('../actions/check.js')
      process.exitCode = await runCheck(argv, resolved, config?.path, thresholdsGivenTo(cmd, resolved))
    })
}
