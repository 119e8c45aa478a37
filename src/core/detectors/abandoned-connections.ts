import { isListenSession } from '../backend.js'
import { secondsBetween } from '../describe-backend.js'
import { formatDuration } from '../duration.js'
import type { AbandonedConnectionsFinding } from '../finding.js'
import { groupLabel, groupSubject } from '../group-subject.js'
import type { TrackedSession } from '../timeline/timeline.js'
import type { TimelineDetectorInput } from './timeline-input.js'

const WINDOW_MILLIS = 10 * 60_000
const MIN_ABANDONED = 2
const MIN_OPENED = 2
const MAX_PIDS = 50

/**
 * Idle connections that are never used again while their group keeps opening
 * new ones: a pool or engine per request or per test that nobody closes, or
 * a checked-out client that was never released. A pool that keeps spare
 * connections does not open new ones while it has idle ones, so both at once
 * is the mark of connections nobody will hand out again.
 */
export function detectAbandonedConnections(input: TimelineDetectorInput): AbandonedConnectionsFinding[] {
  const { timeline, thresholds } = input
  const now = timeline.latest?.sampledAtMillis
  const since = timeline.continuousSinceMillis
  if (now === undefined || since === undefined) return []
  const windowMillis = Math.min(WINDOW_MILLIS, now - since)

  const abandonedByGroup = new Map<string, TrackedSession[]>()
  for (const session of timeline.sessions) {
    const backend = session.backend
    if (session.groupId === null || session.isReused || backend.state !== 'idle' || isListenSession(backend)) continue
    const idleSeconds = secondsBetween(backend.stateChangeMillis, now)
    if (idleSeconds === null || idleSeconds < thresholds.abandonedAfterSeconds) continue
    const list = abandonedByGroup.get(session.groupId) ?? []
    list.push(session)
    abandonedByGroup.set(session.groupId, list)
  }

  const findings: AbandonedConnectionsFinding[] = []
  for (const [groupId, abandoned] of abandonedByGroup) {
    const group = timeline.group(groupId)
    if (!group || abandoned.length < MIN_ABANDONED) continue
    const openedInWindow = group.churn.since(now - windowMillis).opened
    if (openedInWindow < MIN_OPENED) continue
    abandoned.sort((a, b) => (a.backend.stateChangeMillis ?? 0) - (b.backend.stateChangeMillis ?? 0))
    const oldest = abandoned[0]!.backend
    const oldestIdleSeconds = Math.round(secondsBetween(oldest.stateChangeMillis, now) ?? 0)
    const label = groupLabel(group.key)
    findings.push({
      kind: 'abandoned-connections',
      severity: abandoned.length >= 10 ? 'error' : 'warning',
      title: `${label} left ${abandoned.length} connections idle and unused, and keeps opening new ones`,
      subject: groupSubject(group.key),
      pids: abandoned.slice(0, MAX_PIDS).map((s) => s.pid),
      evidence: {
        abandonedConnections: abandoned.length,
        oldestIdleSeconds,
        openedInWindow,
        windowSeconds: Math.round(windowMillis / 1000),
        lastQuery: oldest.query,
      },
      advice:
        `${abandoned.length} connections of ${label} have sat idle for up to ${formatDuration(oldestIdleSeconds)} without running anything, while ${label} opened ${openedInWindow} new ones. ` +
        'Something creates connections (an engine, a pool, a client) per request or per test and never closes them: keep one engine or pool per process, ' +
        'and dispose it in teardown (engine.dispose(), pool.end()); a client checked out of a pool must be released in a finally block.',
    })
  }
  return findings
}
