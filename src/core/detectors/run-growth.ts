import { formatDuration } from '../duration.js'
import type { ConnectionGrowthFinding } from '../finding.js'
import { groupLabel, groupSubject } from '../group-subject.js'
import { linearFit, trailingMinimum } from '../series-math.js'
import { usableSlots } from '../snapshot.js'
import { isLimitReached } from './connection-growth.js'
import type { TimelineDetectorInput } from './timeline-input.js'

const MIN_POINTS = 4
const MIN_FIT = 0.5

/**
 * Connection growth within a bounded run (a test suite wrapped by `check`):
 * the staircase of an engine or pool per test, which the process exit hides
 * by closing everything at the end. The run is judged whole, from its start
 * to just before the command ended, with a floor window of an eighth of the
 * run, so a short suite is judged too; no "still rising" test, since the run
 * itself is the window.
 */
export function detectGrowthDuringRun(input: TimelineDetectorInput, run: { fromMillis: number; toMillis: number }): ConnectionGrowthFinding[] {
  const { timeline } = input
  const runMillis = run.toMillis - run.fromMillis
  const floorWindow = Math.max(2 * timeline.meanIntervalMillis, runMillis / 8)
  const findings: ConnectionGrowthFinding[] = []
  for (const group of timeline.groups) {
    const points = group.series.points(run.fromMillis).filter((p) => p.atMillis < run.toMillis)
    if (points.length < MIN_POINTS) continue
    const floor = trailingMinimum(points, floorWindow)
    const first = floor[0]!.min
    const last = floor[floor.length - 1]!.min
    const risenBy = last - first
    if (risenBy < Math.max(input.thresholds.growthMinConnections, 0.1 * first)) continue
    let fallen = 0
    for (let i = 1; i < floor.length; i++) fallen += Math.max(0, floor[i - 1]!.min - floor[i]!.min)
    if (fallen > 0.25 * risenBy) continue
    const fit = linearFit(
      floor.map((p) => p.atMillis),
      floor.map((p) => p.min),
    )
    if (fit.slope <= 0 || fit.r2 < MIN_FIT) continue
    const slopePerSecond = fit.slope * 1000
    const peak = Math.max(...points.map((p) => p.max))
    const usable = usableSlots(input.settings)
    const label = groupLabel(group.key)
    findings.push({
      kind: 'connection-growth',
      severity: 'error',
      title: `${label} piled up ${risenBy} connections during the run (+${Math.round(slopePerSecond * 600) / 10}/min) and never gave them back`,
      subject: groupSubject(group.key),
      pids: [],
      evidence: {
        slopePerMinute: Math.round(slopePerSecond * 600) / 10,
        confidence: Math.round(fit.r2 * 100) / 100,
        since: new Date(run.fromMillis).toISOString(),
        connections: peak,
        floorConnections: last,
        risenBy,
        windowSeconds: Math.round(runMillis / 1000),
        etaSeconds: Math.max(0, Math.round((usable - peak) / slopePerSecond)),
        limit: { scope: 'server', name: null, connections: peak, limit: usable },
        limitReached: isLimitReached({ scope: 'server', name: null, connections: peak, limit: usable }),
      },
      advice:
        `Over the ${formatDuration(runMillis / 1000)} run the lowest number of connections ${label} held rose from ${first} to ${last}: each step opened connections that stayed open ` +
        'until the process exited, which hides the leak at the end but runs a longer suite into "too many clients". ' +
        'The usual cause is an engine, pool or client created per test (or per app instance) and never closed: dispose it in teardown (engine.dispose(), pool.end(), client.close()), ' +
        'or share one per test session (a session-scoped fixture, a module-level pool).',
    })
  }
  return findings
}
