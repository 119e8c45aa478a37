import type { Command } from 'commander'
import { analyzeRecording } from '../../analyze-recording.js'
import { renderWatchSummary, watchJsonDocument } from '../../render/watch-summary.js'
import { addJudgementOptions, exitCodeForFindings, thresholdsFrom, type JudgementFlags } from '../judgement-options.js'
import { stderrPalette, stdoutPalette, terminalWidth, writeJson } from '../output.js'

interface AnalyzeFlags extends JudgementFlags {
  readonly json: boolean
  readonly color: boolean
}

export function registerAnalyzeCommand(program: Command): void {
  const command = program
    .command('analyze')
    .summary('replay a recording made with watch --record')
    .description(
      'Replays a recording through the same detectors as the live watch, with the grouping, exclusions and thresholds it was recorded with ' +
        '(flags given here override them), and reports every finding seen.',
    )
    .argument('<file...>', 'recordings made with pgleak watch --record')
    .option('--json', 'print the JSON document on stdout', false)
  addJudgementOptions(command, { isOverTime: true })
    .option('--no-color', 'plain text output')
    .addHelpText('after', '\nExample:\n  $ pgleak analyze leak.ndjson')
    .action(async (files: string[], flags: AnalyzeFlags, cmd: Command) => {
      const given = (name: string): boolean => cmd.getOptionValueSource(name) === 'cli'
      const overrides = {
        ...(given('groupBy') ? { groupBy: flags.groupBy } : {}),
        ...(given('ignore') ? { ignore: flags.ignore } : {}),
        ...(['maxIdleInTransaction', 'warnUsage', 'maxUsage', 'abandonedAfter', 'churnPerMinute'].some(given) ? { thresholds: thresholdsFrom(flags) } : {}),
      }
      let exitCode = 0
      for (const file of files) {
        const result = await analyzeRecording(file, overrides)
        if (result.skipped.count > 0) {
          process.stderr.write(`${stderrPalette(flags).yellow('!')} ${file}: skipped ${result.skipped.count} line(s) that are not recording events (first: line ${result.skipped.firstLineNumbers.join(', ')})\n`)
        }
        if (flags.json) writeJson(watchJsonDocument(result, { recording: file, skippedLines: result.skipped.count }))
        else process.stdout.write(`${renderWatchSummary(stdoutPalette(flags), result, { title: `pgleak analyze ${file}`, width: terminalWidth() })}\n`)
        exitCode = Math.max(exitCode, exitCodeForFindings(result.findings, flags.failOn))
      }
      process.exitCode = exitCode
    })
}
