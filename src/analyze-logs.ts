// `analyze` on pool and server logs: every file streamed into one ledger
// (a pool log and the server's log of the same run belong together), then
// the pool detectors. The library entry point behind `pgleak analyze LOG`.
import { runPoolDetectors, type PoolSizeSpec } from './core/detectors/pool/index.js'
import { sortFindings, type Finding } from './core/finding.js'
import { PoolActivity } from './core/pool-activity.js'
import { PoolLedger } from './core/pool-ledger.js'
import { thresholdsFor, type Thresholds } from './core/thresholds.js'
import { readPoolLog, type PoolLogSummary, type ReadPoolLogOptions } from './sources/logs/read-pool-log.js'
import { readingNotes } from './sources/logs/reading-notes.js'

export interface AnalyzeLogsOptions {
  /** Force a log format instead of detecting it per file. */
  readonly format?: string
  readonly thresholds?: Partial<Thresholds>
  readonly onProgress?: (path: string, bytesRead: number, totalBytes: number | undefined) => void
  readonly stdin?: ReadPoolLogOptions['stdin']
  /** The server's max_connections (`--max-connections`): pool sizing is judged against it, less the superuser reserve. */
  readonly maxConnections?: number
  /** `--pool-size 5+10`: the size of pools whose logs do not say. */
  readonly assumedPoolSize?: PoolSizeSpec
}

/** PostgreSQL's superuser_reserved_connections by default: slots no application gets. */
export const DEFAULT_RESERVED_CONNECTIONS = 3

/** A file as `analyze` read it, with what a user should know about how it was read. */
export interface AnalyzedLogFile extends PoolLogSummary {
  readonly checkouts: number
  /** Pool timeouts and refused connections the file reports. */
  readonly exhaustionEvents: number
  /** How the reading fell short, each a sentence with the fix: pool lines not understood, DEBUG logging off. */
  readonly notes: readonly string[]
}

export interface PoolLogAnalysis {
  readonly files: readonly AnalyzedLogFile[]
  readonly findings: readonly Finding[]
  readonly ledger: PoolLedger
  /** Checkouts per pool and server sessions per minute over time, for charts. */
  readonly activity: PoolActivity
  /** The first and last times the logs carried, when they carry any. */
  readonly fromMillis: number | null
  readonly toMillis: number | null
}

export async function analyzePoolLogs(paths: readonly string[], options: AnalyzeLogsOptions = {}): Promise<PoolLogAnalysis> {
  const ledger = new PoolLedger()
  const activity = new PoolActivity()
  const files: AnalyzedLogFile[] = []
  let fromMillis: number | null = null
  for (const path of paths) {
    let checkouts = 0
    let exhaustionEvents = 0
    const exhaustionLibraries = new Set<string>()
    const summary = await readPoolLog(path, {
      ...(options.format !== undefined ? { format: options.format } : {}),
      ...(options.stdin ? { stdin: options.stdin } : {}),
      onEvent: (event) => {
        if (event.atMillis !== null && (fromMillis === null || event.atMillis < fromMillis)) fromMillis = event.atMillis
        if (event.type === 'checkout') checkouts++
        else if (event.type === 'pool-timeout') {
          exhaustionEvents++
          exhaustionLibraries.add(event.source === 'application' ? event.pool : event.source)
        } else if (event.type === 'too-many-clients') exhaustionEvents++
        ledger.ingest(event)
        activity.ingest(event)
      },
      ...(options.onProgress ? { onProgress: (read: number, total: number | undefined) => options.onProgress!(path, read, total) } : {}),
    })
    const file = { ...summary, checkouts, exhaustionEvents, exhaustionLibraries: [...exhaustionLibraries] }
    files.push({ ...file, notes: readingNotes(file) })
  }
  const thresholds = thresholdsFor('analyze', options.thresholds)
  const findings = sortFindings(
    runPoolDetectors({
      ledger,
      thresholds,
      nowMillis: ledger.nowMillis,
      ...(options.maxConnections !== undefined ? { usableSlots: options.maxConnections - DEFAULT_RESERVED_CONNECTIONS } : {}),
      ...(options.assumedPoolSize ? { assumedPoolSize: options.assumedPoolSize } : {}),
    }),
  )
  return { files, findings, ledger, activity, fromMillis, toMillis: ledger.nowMillis }
}
