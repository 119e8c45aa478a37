// Findings over time: one per subject, updated as polls come in rather than
// repeated, with when it was first and last seen and whether it still holds.
import { severityRank, sortFindings, type Finding } from './finding.js'

export type TrackedFinding = Finding & {
  readonly firstSeenAt: string
  readonly lastSeenAt: string
  /** Still seen on the latest evaluation. */
  readonly isActive: boolean
}

/** What makes two evaluations' findings the same finding: its kind and who it is about, not its changing figures. */
export function findingKey(finding: Finding): string {
  const scope =
    finding.kind === 'headroom' || finding.kind === 'idle-in-transaction' ? finding.evidence.scope : finding.kind === 'config' ? finding.evidence.setting : ''
  // One session's transaction is that session; a group's pile is the group, whichever sessions it holds now.
  const pids = finding.kind === 'idle-in-transaction' && finding.evidence.scope === 'session' ? finding.pids.join(',') : ''
  const { application, user, database, client, pool } = finding.subject
  // Joined, not JSON.stringify'd: this runs for every finding each time the detectors judge. Names never hold NUL
  // (PostgreSQL's text cannot), so NUL separates them and SOH stands for a missing one.
  return `${finding.kind}\0${scope}\0${pids}\0${application ?? '\u0001'}\0${user ?? '\u0001'}\0${database ?? '\u0001'}\0${client ?? '\u0001'}\0${pool ?? '\u0001'}`
}

/**
 * A finding with when it was seen, its fields copied one by one: a spread of findings of every shape
 * (`{ ...finding, ... }`) cost five times as much.
 */
function trackedFinding(entry: Entry, lastSeenMillis: number): TrackedFinding {
  const { kind, title, subject, pids, evidence, advice, poolerClients } = entry.finding
  // Kind and evidence come from the same finding, so they still match.
  return {
    kind,
    severity: entry.severity,
    title,
    subject,
    pids,
    evidence,
    advice,
    ...(poolerClients ? { poolerClients } : {}),
    firstSeenAt: new Date(entry.firstSeenMillis).toISOString(),
    lastSeenAt: new Date(lastSeenMillis).toISOString(),
    isActive: entry.isActive,
  } as TrackedFinding
}

export interface TrackerUpdate {
  readonly opened: readonly Finding[]
  readonly resolved: readonly TrackedFinding[]
}

/** One finding as tracked: the latest evaluation's figures, and the worst severity it reached. */
interface Entry {
  finding: Finding
  severity: Finding['severity']
  readonly firstSeenMillis: number
  isActive: boolean
  /** When it was last seen, once it no longer holds; an active finding was seen at the latest update. */
  lastSeenMillis: number
}

const NOTHING_CHANGED: TrackerUpdate = Object.freeze({ opened: [], resolved: [] })

export class FindingTracker {
  readonly #entries = new Map<string, Entry>()
  #lastUpdateMillis = Number.NaN
  /** The findings of the latest update: the same ones again (nothing judged anew) change only its time. */
  #lastFindings: readonly Finding[] = []

  update(findings: readonly Finding[], atMillis: number): TrackerUpdate {
    const previousUpdateMillis = this.#lastUpdateMillis
    this.#lastUpdateMillis = atMillis
    if (isSameList(findings, this.#lastFindings) && !Number.isNaN(previousUpdateMillis)) return NOTHING_CHANGED
    this.#lastFindings = findings
    const seen = new Set<string>()
    const opened: Finding[] = []
    for (const finding of findings) {
      const key = findingKey(finding)
      seen.add(key)
      const entry = this.#entries.get(key)
      if (!entry || !entry.isActive) {
        opened.push(finding)
        this.#entries.set(key, { finding, severity: worse(entry?.severity, finding.severity), firstSeenMillis: entry?.firstSeenMillis ?? atMillis, isActive: true, lastSeenMillis: atMillis })
        continue
      }
      entry.finding = finding
      entry.severity = worse(entry.severity, finding.severity)
    }
    const resolved: TrackedFinding[] = []
    for (const [key, entry] of this.#entries) {
      if (seen.has(key) || !entry.isActive) continue
      entry.isActive = false
      entry.lastSeenMillis = previousUpdateMillis
      resolved.push(trackedFinding(entry, entry.lastSeenMillis))
    }
    return { opened, resolved }
  }

  active(): TrackedFinding[] {
    const active: TrackedFinding[] = []
    for (const entry of this.#entries.values()) if (entry.isActive) active.push(trackedFinding(entry, this.#lastUpdateMillis))
    return sortFindings(active) as TrackedFinding[]
  }

  /**
   * Drops resolved findings last seen before `millis`: a process that runs for weeks (`serve`) keeps
   * a bounded history, not every transaction that ever sat idle.
   */
  forgetResolvedBefore(millis: number): void {
    for (const [key, entry] of this.#entries) if (!entry.isActive && entry.lastSeenMillis < millis) this.#entries.delete(key)
  }

  /** Every finding seen, active or not, worst first. */
  all(): TrackedFinding[] {
    const all = [...this.#entries.values()].map((entry) => trackedFinding(entry, entry.isActive ? this.#lastUpdateMillis : entry.lastSeenMillis))
    return sortFindings(all) as TrackedFinding[]
  }
}

/** Keep the worst severity a finding reached: a transaction that blocked others stays an error after they give up. */
function worse(a: Finding['severity'] | undefined, b: Finding['severity']): Finding['severity'] {
  return a !== undefined && severityRank(a) > severityRank(b) ? a : b
}

function isSameList(a: readonly Finding[], b: readonly Finding[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
