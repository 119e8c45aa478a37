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
  // Joined, not JSON.stringify'd: this runs for every finding of every poll. Names never hold NUL
  // (PostgreSQL's text cannot), so NUL separates them and SOH stands for a missing one.
  return `${finding.kind}\0${scope}\0${pids}\0${application ?? '\u0001'}\0${user ?? '\u0001'}\0${database ?? '\u0001'}\0${client ?? '\u0001'}\0${pool ?? '\u0001'}`
}

/**
 * A finding with when it was seen, its fields copied one by one: a spread of findings of every shape
 * (`{ ...finding, ... }`) cost five times as much, and this runs for every finding of every poll.
 */
function trackedFinding(finding: Finding, severity: Finding['severity'], firstSeenAt: string, lastSeenAt: string, isActive: boolean): TrackedFinding {
  const { kind, title, subject, pids, evidence, advice, poolerClients } = finding
  // Kind and evidence come from the same finding, so they still match.
  return { kind, severity, title, subject, pids, evidence, advice, ...(poolerClients ? { poolerClients } : {}), firstSeenAt, lastSeenAt, isActive } as TrackedFinding
}

export interface TrackerUpdate {
  readonly opened: readonly Finding[]
  readonly resolved: readonly TrackedFinding[]
}

export class FindingTracker {
  readonly #tracked = new Map<string, TrackedFinding>()

  update(findings: readonly Finding[], atMillis: number): TrackerUpdate {
    const at = new Date(atMillis).toISOString()
    const seen = new Set<string>()
    const opened: Finding[] = []
    for (const finding of findings) {
      const key = findingKey(finding)
      seen.add(key)
      const previous = this.#tracked.get(key)
      if (!previous || !previous.isActive) opened.push(finding)
      // Keep the worst severity it reached: a transaction that blocked others stays an error after they give up.
      const severity = previous && severityRank(previous.severity) > severityRank(finding.severity) ? previous.severity : finding.severity
      this.#tracked.set(key, trackedFinding(finding, severity, previous?.firstSeenAt ?? at, at, true))
    }
    const resolved: TrackedFinding[] = []
    for (const [key, tracked] of this.#tracked) {
      if (seen.has(key) || !tracked.isActive) continue
      const ended = trackedFinding(tracked, tracked.severity, tracked.firstSeenAt, tracked.lastSeenAt, false)
      this.#tracked.set(key, ended)
      resolved.push(ended)
    }
    return { opened, resolved }
  }

  active(): TrackedFinding[] {
    return sortFindings([...this.#tracked.values()].filter((f) => f.isActive)) as TrackedFinding[]
  }

  /**
   * Drops resolved findings last seen before `millis`: a process that runs for weeks (`serve`) keeps
   * a bounded history, not every transaction that ever sat idle.
   */
  forgetResolvedBefore(millis: number): void {
    for (const [key, tracked] of this.#tracked) if (!tracked.isActive && Date.parse(tracked.lastSeenAt) < millis) this.#tracked.delete(key)
  }

  /** Every finding seen, active or not, worst first. */
  all(): TrackedFinding[] {
    return sortFindings([...this.#tracked.values()]) as TrackedFinding[]
  }
}
