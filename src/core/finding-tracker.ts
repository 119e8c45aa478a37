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
  const scope = finding.kind === 'headroom' ? finding.evidence.scope : finding.kind === 'config' ? finding.evidence.setting : ''
  const pids = finding.kind === 'idle-in-transaction' ? finding.pids.join(',') : ''
  const { application, user, database, client, pool } = finding.subject
  return JSON.stringify([finding.kind, scope, pids, application, user, database, client, pool])
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
      this.#tracked.set(key, { ...finding, severity, firstSeenAt: previous?.firstSeenAt ?? at, lastSeenAt: at, isActive: true } as TrackedFinding)
    }
    const resolved: TrackedFinding[] = []
    for (const [key, tracked] of this.#tracked) {
      if (seen.has(key) || !tracked.isActive) continue
      const ended = { ...tracked, isActive: false }
      this.#tracked.set(key, ended)
      resolved.push(ended)
    }
    return { opened, resolved }
  }

  active(): TrackedFinding[] {
    return sortFindings([...this.#tracked.values()].filter((f) => f.isActive)) as TrackedFinding[]
  }

  /** Every finding seen, active or not, worst first. */
  all(): TrackedFinding[] {
    return sortFindings([...this.#tracked.values()]) as TrackedFinding[]
  }
}
