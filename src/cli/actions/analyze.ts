// What `pgleak analyze` does, loaded only when it runs: commands/ holds the flags.
import { basename } from 'node:path'
import type { Command } from 'commander'
import { analyzePoolLogs } from '../../analyze-logs.js'
import { analyzeRecording } from '../../analyze-recording.js'
import { formatDuration } from '../../core/duration.js'
import { logAnalysisJsonDocument, renderLogAnalysis } from '../../render/log-analysis.js'
import { renderWatchSummary, watchJsonDocument } from '../../render/watch-summary.js'
import { isRecordingFile } from '../../sources/recording/read-recording.js'
import type { AnalyzeFlags } from '../commands/analyze.js'
import { thresholdsFor } from '../../core/thresholds.js'
import { exitCodeForFindings, thresholdsGivenTo } from '../judgement-options.js'
import { stderrPalette, stdoutPalette, terminalWidth, writeJson, writeReportFile } from '../output.js'

const PROGRESS_MIN_BYTES = 50 * 1024 * 1024

/** A progress line on stderr for big files, only on a terminal, at most a few times a second. */
function progressReporter(): ((path: string, read: number, total: number | undefined) => void) | undefined {
  if (!process.stderr.isTTY) return undefined
  const started = Date.now()
  let last = 0
  return (path, read, total) => {
    if (total === undefined || total < PROGRESS_MIN_BYTES) return
    const now = Date.now()
    if (now - last < 200 && read < total) return
    last = now
    const mb = read / 1024 / 1024
    const rate = mb / Math.max(0.001, (now - started) / 1000)
    process.stderr.write(`\r\x1b[K${path}: ${Math.round((read / total) * 100)}% · ${mb.toFixed(0)} MB · ${rate.toFixed(0)} MB/s · ${formatDuration((now - started) / 1000)}`)
    if (read >= total) process.stderr.write('\r\x1b[K')
  }
}

export async function runAnalyze(files: readonly string[], flags: AnalyzeFlags, cmd: Command): Promise<number> {
  const given = (name: string): boolean => cmd.getOptionValueSource(name) === 'cli'
  const thresholds = thresholdsGivenTo(cmd, flags)
  // Flags override what the recording says, one by one: a flag not given leaves the recording's value.
  const overrides = {
    ...(given('groupBy') ? { groupBy: flags.groupBy } : {}),
    ...(given('ignore') ? { ignore: flags.ignore } : {}),
    thresholds,
  }
  if (flags.format !== undefined) {
    process.stderr.write(`${stderrPalette(flags).yellow('!')} analyze --format is now --log-format (check's --format names the report it writes); --format still works\n`)
  }
  const logFormat = flags.logFormat ?? flags.format
  let htmlWritten = false
  let exitCode = 0
  const logs: string[] = []
  for (const file of files) {
    if (!(await isRecordingFile(file))) {
      logs.push(file)
      continue
    }
    const result = await analyzeRecording(file, overrides)
    if (result.skipped.count > 0) {
      process.stderr.write(`${stderrPalette(flags).yellow('!')} ${file}: skipped ${result.skipped.count} line(s) that are not recording events (first: line ${result.skipped.firstLineNumbers.join(', ')})\n`)
    }
    if (flags.json) writeJson(watchJsonDocument(result, { recording: file, skippedLines: result.skipped.count }))
    else process.stdout.write(`${renderWatchSummary(stdoutPalette(flags), result, { title: `pgleak analyze ${file}`, width: terminalWidth() })}\n`)
    if (flags.html) {
      if (htmlWritten) {
        process.stderr.write(`${stderrPalette(flags).yellow('!')} --html holds one report: ${file} is reported above but not charted; run analyze on it with its own --html file\n`)
      } else {
        const { htmlReportOfWatch, renderHtmlReport } = await import('../../render/html/html-report.js')
        writeReportFile(flags.html, renderHtmlReport(htmlReportOfWatch(result, `pgleak analyze ${basename(file)}`), { redact: flags.redact }), '--html', 'pgleak.html')
        htmlWritten = true
      }
    }
    exitCode = Math.max(exitCode, exitCodeForFindings(result.findings, flags.failOn))
  }
  if (logs.length > 0) {
    const progress = progressReporter()
    const analysis = await analyzePoolLogs(logs, {
      ...(logFormat !== undefined ? { format: logFormat } : {}),
      thresholds: thresholdsFor('analyze', thresholds),
      ...(progress ? { onProgress: progress } : {}),
      ...(flags.maxConnections !== undefined ? { maxConnections: flags.maxConnections } : {}),
      ...(flags.poolSize !== undefined ? { assumedPoolSize: flags.poolSize } : {}),
    })
    if (flags.json) writeJson(logAnalysisJsonDocument(analysis))
    else process.stdout.write(`${renderLogAnalysis(stdoutPalette(flags), analysis, terminalWidth())}\n`)
    if (flags.html) {
      if (htmlWritten) {
        process.stderr.write(`${stderrPalette(flags).yellow('!')} --html holds one report, a recording's: the logs are reported above but not charted; run analyze on them with their own --html file\n`)
      } else {
        const { htmlReportOfLogs, renderHtmlReport } = await import('../../render/html/html-report.js')
        const title = `pgleak analyze ${logs.map((file) => basename(file)).join(', ')}`
        writeReportFile(flags.html, renderHtmlReport(htmlReportOfLogs(analysis, title, flags.maxConnections), { redact: flags.redact }), '--html', 'pgleak.html')
      }
    }
    exitCode = Math.max(exitCode, exitCodeForFindings(analysis.findings, flags.failOn))
  }
  return exitCode
}
