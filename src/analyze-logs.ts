// `analyze` on pool and server logs: every file streamed into one ledger
// (a pool log and the server's log of the same run belong together), then
// the pool detectors. The library entry point behind `pgleak analyze LOG`.
import { runPoolDetectors } from './core/detectors/pool/index.js'
import { sortFindings, type Finding } from './core/finding.js'
import { PoolLedger } from './core/pool-ledger.js'
import { thresholdsFor, type Thresholds } from './core/thresholds.js'
import { readPoolLog, type PoolLogSummary, type ReadPoolLogOptions } from './sources/logs/read-pool-log.js'

export interface AnalyzeLogsOptions {
  /** Force a log format instead of detecting it per file. */
  readonly format?: string
  readonly thresholds?: Partial<Thresholds>
  readonly onProgress?: (path: string, bytesRead: number, totalBytes: number | undefined) => void
  readonly stdin?: ReadPoolLogOptions['stdin']
}

export interface PoolLogAnalysis {
  readonly files: readonly PoolLogSummary[]
  readonly findings: readonly Finding[]
  readonly ledger: PoolLedger
  /** The first and last times the logs carried, when they carry any. */
  readonly fromMillis: number | null
  readonly toMillis: number | null
}

export async function analyzePoolLogs(paths: readonly string[], options: AnalyzeLogsOptions = {}): Promise<PoolLogAnalysis> {
  const ledger = new PoolLedger()
  const files: PoolLogSummary[] = []
  let fromMillis: number | null = null
  for (const path of paths) {
    files.push(
      await readPoolLog(path, {
        ...(options.format !== undefined ? { format: options.format } : {}),
        ...(options.stdin ? { stdin: options.stdin } : {}),
        onEvent: (event) => {
          if (event.atMillis !== null && (fromMillis === null || event.atMillis < fromMillis)) fromMillis = event.atMillis
          ledger.ingest(event)
        },
        ...(options.onProgress ? { onProgress: (read: number, total: number | undefined) => options.onProgress!(path, read, total) } : {}),
      }),
    )
  }
  const thresholds = thresholdsFor('analyze', options.thresholds)
  const findings = sortFindings(runPoolDetectors({ ledger, thresholds, nowMillis: ledger.nowMillis }))
  return { files, findings, ledger, fromMillis, toMillis: ledger.nowMillis }
}
