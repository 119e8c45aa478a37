// `analyze` on a recording: replays it through the same monitor as the live
// watch, with the live run's grouping, exclusions and thresholds unless the
// caller overrides them, so it reports what the live run reported.
import { serverInfo, type ServerInfo } from './core/audit-report.js'
import type { GroupDimension } from './core/grouping.js'
import { parseIgnoreRule, type IgnoreRule } from './core/ignore-rule.js'
import { LeakMonitor } from './core/leak-monitor.js'
import { thresholdsFor, type Thresholds } from './core/thresholds.js'
import { PgleakError } from './errors.js'
import { RECORDING_FORMAT, type RecordingHeader } from './sources/recording/recording-format.js'
import { readRecording, type SkippedLines } from './sources/recording/read-recording.js'
import { DeltaDecoder } from './sources/recording/snapshot-deltas.js'
import { resultOf, type WatchResult } from './watch.js'

export interface AnalyzeRecordingOptions {
  readonly groupBy?: readonly GroupDimension[]
  readonly ignore?: readonly IgnoreRule[]
  readonly thresholds?: Partial<Thresholds>
}

export interface RecordingAnalysis extends WatchResult {
  readonly skipped: SkippedLines
}

function headerIgnoreRules(header: RecordingHeader): IgnoreRule[] {
  return header.ignore.flatMap((text) => {
    const rule = parseIgnoreRule(text)
    return 'error' in rule ? [] : [rule]
  })
}

export async function analyzeRecording(path: string, options: AnalyzeRecordingOptions = {}): Promise<RecordingAnalysis> {
  const skipped: SkippedLines = { count: 0, firstLineNumbers: [] }
  let header: RecordingHeader | undefined
  let monitor: LeakMonitor | undefined
  let server: ServerInfo | undefined
  /** The application's clock at the last pool events, which the next snapshot's pool findings are judged at. */
  let poolNowMillis: number | undefined
  const deltas = new DeltaDecoder()
  for await (const event of readRecording(path, skipped)) {
    switch (event.type) {
      case RECORDING_FORMAT:
        header ??= event
        break
      case 'settings':
        server = serverInfo(event.settings, header?.target ?? path)
        if (monitor) monitor.updateSettings(event.settings)
        else {
          monitor = new LeakMonitor(event.settings, {
            groupBy: options.groupBy ?? header?.groupBy ?? ['app'],
            ignore: options.ignore ?? (header ? headerIgnoreRules(header) : []),
            thresholds: thresholdsFor('analyze', options.thresholds, header?.thresholds),
            hasPoolLog: header?.poolLog !== undefined,
          })
        }
        break
      case 'pooler':
        monitor?.ingestPooler(event.snapshot)
        break
      case 'pool-events':
        monitor?.ingestPoolEvents(event.events)
        poolNowMillis = event.poolNow
        break
      case 'snapshot': {
        deltas.full(event.backends)
        monitor?.ingest({ sampledAtMillis: event.at, sessionsEstablished: event.sessions, backends: event.backends }, poolNowMillis)
        break
      }
      case 'delta': {
        const snapshot = deltas.apply(event.at, event.sessions, event.upserts, event.gone)
        if (snapshot) monitor?.ingest(snapshot, poolNowMillis)
        break
      }
      case 'gap':
        monitor?.markGap(event.from, event.to, event.reason)
        break
    }
  }
  if (!monitor || !server) {
    throw new PgleakError('FILE_UNREADABLE', `${path} is not a pgleak recording (no header and settings line)`, {
      hint: 'Make one with pgleak watch --record FILE.',
    })
  }
  return { ...resultOf(monitor, server), skipped }
}
