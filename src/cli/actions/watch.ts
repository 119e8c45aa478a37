// What `pgleak watch` does, loaded only when it runs: commands/ holds the flags.
import { findingKey, type TrackedFinding } from '../../core/finding-tracker.js'
import { hasReachedLimit } from '../../render/finding-figure.js'
import { formatDuration } from '../../core/duration.js'
import { severityBadge, type Palette } from '../../render/colors.js'
import { navigate, START_NAVIGATION, type LiveNavigation } from '../../render/live/live-navigation.js'
import { liveRows, renderLiveFrame, type LiveViewState } from '../../render/live/live-view.js'
import { renderWatchSummary, watchJsonDocument } from '../../render/watch-summary.js'
import { watch, type WatchEvent, type WatchOptions } from '../../watch.js'
import type { WatchFlags } from '../commands/watch.js'
import { thresholdsFor, type Thresholds } from '../../core/thresholds.js'
import { exitCodeForFindings } from '../judgement-options.js'
import { LiveScreen } from '../live-screen.js'
import { stderrPalette, stdoutPalette, terminalWidth, writeJson, writeReportFile } from '../output.js'

/** `given`: the thresholds the user set; the library decides the rest. */
export function watchOptionsFrom(flags: WatchFlags, given: Partial<Thresholds>): WatchOptions {
  return {
    ...(flags.dsn !== undefined ? { dsn: flags.dsn } : {}),
    connectTimeoutMillis: flags.connectTimeout * 1000,
    intervalMillis: flags.interval * 1000,
    ...(flags.duration !== undefined ? { durationMillis: flags.duration * 1000 } : {}),
    ...(flags.record !== undefined ? { recordPath: flags.record } : {}),
    ...(flags.poolLog !== undefined ? { poolLogPath: flags.poolLog } : {}),
    ...(flags.poolLogFormat !== undefined ? { poolLogFormat: flags.poolLogFormat } : {}),
    ...((flags.pgbouncer ?? []).length > 0 ? { pgbouncer: flags.pgbouncer } : {}),
    groupBy: flags.groupBy,
    ignore: flags.ignore,
    redact: flags.redact,
    thresholds: thresholdsFor('watch', given),
  }
}

function clock(millis: number): string {
  return new Date(millis).toISOString().slice(11, 19)
}

function findingLine(palette: Palette, finding: { severity: TrackedFinding['severity']; kind: string; title: string }): string {
  return `${severityBadge(palette, finding.severity)} ${palette.dim(finding.kind)}  ${finding.title}`
}

/** Runs a watch with the output the streams call for, and returns the exit code. */
/** Whether a watch with these flags draws the live view: on a terminal, unless NDJSON goes there. */
export function isLiveView(flags: Pick<WatchFlags, 'json' | 'ndjson'>): boolean {
  return (flags.json ? process.stderr : process.stdout).isTTY === true && !flags.ndjson
}

/** `title`: what the reports call the run; `pgleak demo` runs this same watch. */
export async function runWatch(flags: WatchFlags, options: WatchOptions, title = 'pgleak watch'): Promise<number> {
  // With --json the document takes stdout, and the live view and the log lines go to stderr.
  const liveStream = flags.json ? process.stderr : process.stdout
  const isLive = isLiveView(flags)
  const palette = flags.json ? stderrPalette(flags) : stdoutPalette(flags)
  const controller = new AbortController()
  const stop = (): void => controller.abort()
  // A closed terminal (SIGHUP) stops the watch like Ctrl-C, so what follows still runs: the demo's
  // server is shut down, --record and --html are finished (writes to the gone terminal are dropped).
  const onHangup = (): void => stop()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  process.once('SIGHUP', onHangup)

  const screen = isLive ? new LiveScreen(liveStream) : undefined
  let view: LiveViewState | undefined
  let server: LiveViewState['server'] | undefined
  let isPaused = false
  let status = ''
  let navigation: LiveNavigation = START_NAVIGATION
  /** Findings already logged as having reached their limit. */
  const reached = new Set<string>()
  /** Draws the frame even while paused (a resize, the pause itself, a key). */
  const redrawPaused = (): void => {
    if (screen && view) screen.draw(renderLiveFrame(palette, { ...view, status, isPaused, navigation }, view.monitor.active(), screen.size))
  }
  const draw = (): void => {
    if (!isPaused) redrawPaused()
  }
  const onResize = (): void => redrawPaused()

  const log = (line: string): void => {
    if (screen) return
    if (flags.ndjson || flags.json) process.stderr.write(`${line}\n`)
    else process.stdout.write(`${line}\n`)
  }

  const onEvent = (event: WatchEvent): void => {
    switch (event.type) {
      case 'connected':
        server = event.server
        status = ''
        if (event.isReconnect) log(`${palette.green('reconnected')} to ${event.server.target}`)
        else if (!screen) log(palette.dim(`watching ${event.server.target} · PostgreSQL ${event.server.version} · every ${formatDuration((options.intervalMillis ?? 1000) / 1000)}`))
        break
      case 'sample': {
        if (!server) break
        view = { server, monitor: event.monitor, intervalMillis: options.intervalMillis ?? 1000, status, isPaused, ...(options.recordPath ? { recordPath: options.recordPath } : {}) }
        if (flags.ndjson) process.stdout.write(`${JSON.stringify(ndjsonLine(event))}\n`)
        for (const finding of event.update.opened) log(`${clock(event.snapshot.sampledAtMillis)} ${findingLine(palette, finding)}`)
        for (const finding of event.update.resolved) {
          reached.delete(findingKey(finding))
          log(`${clock(event.snapshot.sampledAtMillis)} ${palette.green('resolved')} ${palette.dim(finding.kind)}  ${finding.title}`)
        }
        // A leak that ran into its limit is said once, when it gets there: from then on it is held, not growing.
        if (!screen) {
          for (const finding of event.update.current) {
            if (!hasReachedLimit(finding) || reached.has(findingKey(finding))) continue
            reached.add(findingKey(finding))
            log(`${clock(event.snapshot.sampledAtMillis)} ${palette.red.bold('reached')} ${palette.dim(finding.kind)}  ${finding.title}`)
          }
        }
        draw()
        break
      }
      case 'disconnected':
        status = `connection lost (${event.message}); reconnecting in ${formatDuration(event.retryInMillis / 1000)} (attempt ${event.attempt})`
        log(palette.yellow(status))
        redrawPaused()
        break
      case 'gap':
        log(palette.yellow(`no data from ${clock(event.gap.fromMillis)} to ${clock(event.gap.toMillis)}: ${event.gap.reason}`))
        break
      case 'skipped':
        status = `a poll was skipped: ${event.message}`
        log(palette.yellow(status))
        break
    }
  }

  try {
    screen?.open((key) => {
      if (key === 'quit') stop()
      else if (key === 'pause') {
        isPaused = !isPaused
        redrawPaused()
      } else if (view) {
        navigation = navigate(navigation, key, liveRows(view.monitor, view.monitor.active(), navigation, screen?.size))
        redrawPaused()
      }
    })
    if (screen) process.stdout.on('resize', onResize)
    const result = await watch({ ...options, signal: controller.signal, onEvent })
    screen?.close()
    if (flags.json) writeJson(watchJsonDocument(result, options.recordPath ? { recording: options.recordPath } : {}))
    else {
      const out = flags.ndjson ? process.stderr : process.stdout
      out.write(`\n${renderWatchSummary(flags.ndjson ? stderrPalette(flags) : stdoutPalette(flags), result, { title, width: terminalWidth() })}\n`)
    }
    // After the summary: a report path that cannot be written must not cost the user what was seen.
    if (flags.html) {
      const { htmlReportOfWatch, renderHtmlReport } = await import('../../render/html/html-report.js')
      writeReportFile(flags.html, renderHtmlReport(htmlReportOfWatch(result, title), { redact: flags.redact }), '--html', 'pgleak.html')
    }
    return exitCodeForFindings(result.findings, flags.failOn)
  } finally {
    screen?.close()
    process.stdout.off('resize', onResize)
    process.removeListener('SIGINT', stop)
    process.removeListener('SIGTERM', stop)
    process.removeListener('SIGHUP', onHangup)
  }
}

function ndjsonLine(event: Extract<WatchEvent, { type: 'sample' }>): Record<string, unknown> {
  const timeline = event.monitor.timeline
  const groups = [...timeline.groups].map((group) => ({ ...group.key, connections: group.series.latest ?? 0 })).filter((g) => g.connections > 0)
  return {
    type: 'sample',
    at: new Date(event.snapshot.sampledAtMillis).toISOString(),
    clients: timeline.serverSeries.latest ?? 0,
    groups,
    findings: event.monitor.active().map(({ kind, severity, title, subject, pids }) => ({ kind, severity, title, subject, pids })),
  }
}
