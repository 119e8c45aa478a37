// `serve`'s targets -> Prometheus' text exposition, through prom-client. Every
// series carries `target` and the target's own labels; the values are read
// from each target's latest poll and findings at scrape time, so a scrape
// costs nothing between scrapes and shows nothing stale.
import { Counter, Gauge, Registry, type Metric } from 'prom-client'
import { isClientBackend, isIdleInTransaction } from '../core/backend.js'
import { usableSlots } from '../core/snapshot.js'
import type { TargetWatch } from '../serve/target-watch.js'
import { PGLEAK_VERSION } from '../version.js'
import { registerProcessMetrics } from './process-metrics.js'

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE

let processMetrics: Registry | undefined

/** pgleak's own process: CPU, memory, event-loop lag, open files; one registry for the process's life. */
export function processRegistry(): Registry {
  if (processMetrics) return processMetrics
  const registry = new Registry()
  registerProcessMetrics(registry)
  new Gauge({ name: 'pgleak_build_info', help: "pgleak's version; always 1", labelNames: ['version'], registers: [registry] }).set({ version: PGLEAK_VERSION }, 1)
  return (processMetrics = registry)
}

type Labels = Record<string, string | number>

interface SeriesSpec {
  readonly name: string
  readonly help: string
  readonly labels?: readonly string[]
  readonly isCounter?: boolean
  /** Sets the series of one target; `base` holds the target's labels. */
  readonly read: (watch: TargetWatch, set: (labels: Labels, value: number) => void) => void
}

function seconds(fromMillis: number | null, nowMillis: number): number | null {
  // Milliseconds are the server clock's useful precision; more digits only make the exposition longer.
  return fromMillis === null ? null : Math.max(0, Math.round(nowMillis - fromMillis) / 1000)
}

/** Sessions seen opening or closing per application since the target's timeline began: the timeline's own counts. */
function sessionCounter(which: 'opened' | 'closed', help: string): SeriesSpec {
  return {
    name: `pgleak_sessions_${which}_total`,
    help,
    labels: ['application'],
    isCounter: true,
    read: (w, set) => {
      for (const group of w.monitor?.timeline.groups ?? []) set({ application: group.key.app ?? '' }, which === 'opened' ? group.churn.openedTotal : group.churn.closedTotal)
    },
  }
}

const SERIES: readonly SeriesSpec[] = [
  { name: 'pgleak_up', help: "1 when the target's last poll was answered, 0 when it is down or silent", read: (w, set) => set({}, w.isUp ? 1 : 0) },
  {
    name: 'pgleak_poll_duration_seconds',
    help: "time the target's last answered poll took",
    read: (w, set) => w.lastPollSeconds !== null && set({}, w.lastPollSeconds),
  },
  { name: 'pgleak_polls_total', help: 'polls the target answered', isCounter: true, read: (w, set) => set({}, w.polls) },
  {
    name: 'pgleak_poll_errors_total',
    help: "polls or connection attempts that failed (refused, timed out, no answer)",
    isCounter: true,
    read: (w, set) => set({}, w.pollErrors),
  },
  {
    name: 'pgleak_client_connections',
    help: 'client connections by application, user, database and state, at the last poll',
    labels: ['application', 'user', 'database', 'state'],
    read: (w, set) => {
      const counts = new Map<string, { labels: Labels; count: number }>()
      for (const backend of w.snapshot?.backends ?? []) {
        if (!isClientBackend(backend)) continue
        const key = `${backend.application}\0${backend.user ?? ''}\0${backend.database ?? ''}\0${backend.state ?? 'unknown'}`
        const entry = counts.get(key)
        // Labels only for a new combination: a thousand sessions share a few dozen.
        if (entry) entry.count++
        else counts.set(key, { labels: { application: backend.application, user: backend.user ?? '', database: backend.database ?? '', state: backend.state ?? 'unknown' }, count: 1 })
      }
      for (const { labels, count } of counts.values()) set(labels, count)
    },
  },
  {
    name: 'pgleak_usable_slots',
    help: 'connections ordinary roles can open: max_connections - superuser_reserved_connections - reserved_connections',
    read: (w, set) => w.settings && set({}, usableSlots(w.settings)),
  },
  { name: 'pgleak_max_connections', help: "the server's max_connections", read: (w, set) => w.settings && set({}, w.settings.maxConnections) },
  {
    name: 'pgleak_superuser_reserved_connections',
    help: "the server's superuser_reserved_connections",
    read: (w, set) => w.settings && set({}, w.settings.superuserReservedConnections),
  },
  {
    name: 'pgleak_reserved_connections',
    help: "the server's reserved_connections (PostgreSQL 16 and later; 0 before)",
    read: (w, set) => w.settings && set({}, w.settings.reservedConnections),
  },
  {
    name: 'pgleak_role_connection_limit',
    help: "a role's CONNECTION LIMIT",
    labels: ['role'],
    read: (w, set) => {
      for (const [role, limit] of Object.entries(w.settings?.roleConnectionLimits ?? {})) set({ role }, limit)
    },
  },
  {
    name: 'pgleak_database_connection_limit',
    help: "a database's CONNECTION LIMIT",
    labels: ['database'],
    read: (w, set) => {
      for (const [database, limit] of Object.entries(w.settings?.databaseConnectionLimits ?? {})) set({ database }, limit)
    },
  },
  {
    name: 'pgleak_idle_in_transaction_oldest_seconds',
    help: "per application, how long its oldest session idle in transaction has been so",
    labels: ['application'],
    read: (w, set) => oldestIdleInTransaction(w, false, set),
  },
  {
    name: 'pgleak_idle_in_transaction_blocking_oldest_seconds',
    help: 'per application, how long its oldest session idle in transaction that blocks another session has been so',
    labels: ['application'],
    read: (w, set) => oldestIdleInTransaction(w, true, set),
  },
  sessionCounter('opened', 'client sessions seen opening, per application (rate() is the churn; sessions shorter than the poll interval are not seen)'),
  sessionCounter('closed', 'client sessions seen closing, per application'),
  {
    name: 'pgleak_exhaustion_eta_seconds',
    help: "per application whose connections grow, the time until they reach the limit at the present rate; absent when not growing",
    labels: ['application', 'scope'],
    read: (w, set) => {
      for (const finding of w.monitor?.active() ?? []) {
        if (finding.kind !== 'connection-growth' || finding.evidence.etaSeconds === null) continue
        set({ application: finding.subject.application ?? '', scope: finding.evidence.limit?.scope ?? 'server' }, finding.evidence.etaSeconds)
      }
    },
  },
  {
    name: 'pgleak_finding',
    help: "1 for each finding pgleak holds now, by kind and severity (the contract's kinds)",
    labels: ['kind', 'severity', 'application'],
    read: (w, set) => {
      for (const finding of w.monitor?.active() ?? []) set({ kind: finding.kind, severity: finding.severity, application: finding.subject.application ?? '' }, 1)
    },
  },
  {
    name: 'pgleak_finding_info',
    help: "each finding's title and advice as labels, for alert annotations; always 1",
    labels: ['kind', 'application', 'title', 'advice'],
    read: (w, set) => {
      for (const finding of w.monitor?.active() ?? []) set({ kind: finding.kind, application: finding.subject.application ?? '', title: finding.title, advice: finding.advice }, 1)
    },
  },
]

function oldestIdleInTransaction(w: TargetWatch, isBlockingOnly: boolean, set: (labels: Labels, value: number) => void): void {
  const snapshot = w.snapshot
  if (!snapshot) return
  const blocking = new Set<number>()
  if (isBlockingOnly) for (const backend of snapshot.backends) for (const pid of backend.blockedBy) blocking.add(pid)
  const oldest = new Map<string, number>()
  for (const backend of snapshot.backends) {
    if (!isIdleInTransaction(backend) || (isBlockingOnly && !blocking.has(backend.pid))) continue
    const age = seconds(backend.stateChangeMillis, snapshot.sampledAtMillis)
    if (age !== null && age > (oldest.get(backend.application) ?? -1)) oldest.set(backend.application, age)
  }
  for (const [application, age] of oldest) set({ application }, age)
}

/** The targets' series, built afresh for one scrape (targets come and go on SIGHUP, and so do their label names). */
export function targetsRegistry(watches: readonly TargetWatch[]): Registry {
  const registry = new Registry()
  const targetLabelNames = [...new Set(watches.flatMap((w) => Object.keys(w.target.labels)))].sort()
  for (const spec of SERIES) {
    const labelNames = ['target', ...targetLabelNames, ...(spec.labels ?? [])]
    const metric: Metric = spec.isCounter
      ? new Counter({ name: spec.name, help: spec.help, labelNames, registers: [registry] })
      : new Gauge({ name: spec.name, help: spec.help, labelNames, registers: [registry] })
    for (const watch of watches) {
      const base: Labels = { target: watch.target.name }
      for (const name of targetLabelNames) base[name] = watch.target.labels[name] ?? ''
      spec.read(watch, (labels, value) => {
        if (metric instanceof Counter) metric.inc({ ...base, ...labels }, value)
        else (metric as Gauge).set({ ...base, ...labels }, value)
      })
    }
  }
  return registry
}

export async function renderMetrics(process: Registry, watches: readonly TargetWatch[]): Promise<string> {
  return Registry.merge([process, targetsRegistry(watches)]).metrics()
}

/** Every per-target series name pgleak exposes: what the shipped rules and dashboard may use. */
export const TARGET_SERIES_NAMES: readonly string[] = SERIES.map((spec) => spec.name)
