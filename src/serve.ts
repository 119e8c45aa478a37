// `serve`: many targets at once, always on. One TargetWatch per database (its
// own loop, connection and backoff), the HTTP endpoints over them, and reloads
// that keep what did not change. The library entry point behind `pgleak serve`.
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import type { GroupDimension } from './core/grouping.js'
import type { IgnoreRule } from './core/ignore-rule.js'
import { thresholdsFor, type Thresholds } from './core/thresholds.js'
import { processRegistry } from './render/prometheus-exposition.js'
import { startHttpEndpoints, type ListenAddress } from './serve/http-endpoints.js'
import type { ServeTarget } from './serve/serve-targets.js'
import { TargetWatch } from './serve/target-watch.js'
import { pollIntervalMillis } from './sources/pg/poll-snapshots.js'

export interface ServeOptions {
  readonly targets: readonly ServeTarget[]
  readonly listen: ListenAddress
  /** (Default: 1 000.) */
  readonly intervalMillis?: number
  readonly groupBy?: readonly GroupDimension[]
  readonly ignore?: readonly IgnoreRule[]
  readonly thresholds?: Thresholds
  readonly redact?: boolean
  readonly connectTimeoutMillis?: number
  /** Longest wait between attempts to reach a target that is down. (Default: 30 000.) */
  readonly maxBackoffMillis?: number
  readonly onNotice?: (target: string, message: string) => void
}

export interface ServeHandle {
  /** Where it listens (the port chosen when 0 was asked for). */
  readonly address: ListenAddress
  watches(): readonly TargetWatch[]
  /** Takes a new list of targets: new ones start, gone ones stop, changed ones start again; the rest go on untouched. */
  reload(targets: readonly ServeTarget[]): Promise<void>
  /** Stops every target and the endpoints. */
  close(): Promise<void>
}

/** What makes a target the same across a reload: its name, where and as whom it connects, its labels and its poolers. */
function identity(target: ServeTarget): string {
  return JSON.stringify([target.name, target.connection.description, target.connection.config.password ?? null, Object.entries(target.labels).sort(), target.poolers.map((p) => p.description)])
}

export async function serve(options: ServeOptions): Promise<ServeHandle> {
  const watchOptions = {
    intervalMillis: pollIntervalMillis(options.intervalMillis, 1000),
    groupBy: options.groupBy ?? ['app'],
    ignore: options.ignore ?? [],
    thresholds: options.thresholds ?? thresholdsFor('watch'),
    redact: options.redact ?? false,
    connectTimeoutMillis: options.connectTimeoutMillis ?? 10_000,
    ...(options.maxBackoffMillis !== undefined ? { maxBackoffMillis: options.maxBackoffMillis } : {}),
    ...(options.onNotice ? { onNotice: options.onNotice } : {}),
  }
  let watches = new Map<string, TargetWatch>()
  const startWatch = (target: ServeTarget): TargetWatch => {
    const watch = new TargetWatch(target, watchOptions)
    watch.start()
    return watch
  }
  for (const target of options.targets) watches.set(identity(target), startWatch(target))
  let server: Server
  try {
    server = await startHttpEndpoints(options.listen, processRegistry(), () => [...watches.values()])
  } catch (error) {
    await Promise.all([...watches.values()].map((w) => w.stop()))
    throw error
  }
  const bound = server.address() as AddressInfo
  return {
    address: { host: options.listen.host, port: bound.port },
    watches: () => [...watches.values()],
    async reload(targets) {
      const next = new Map<string, TargetWatch>()
      for (const target of targets) next.set(identity(target), watches.get(identity(target)) ?? startWatch(target))
      const gone = [...watches].filter(([key]) => !next.has(key)).map(([, watch]) => watch)
      watches = next
      await Promise.all(gone.map((watch) => watch.stop()))
    },
    async close() {
      await Promise.all([...watches.values()].map((watch) => watch.stop()))
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
