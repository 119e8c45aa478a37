import type { PoolSizingFinding } from '../finding.js'
import { groupLabel, groupSubject } from '../group-subject.js'
import type { SeriesPoint } from '../timeline/count-series.js'
import { PGLEAK_OWN_CONNECTIONS, usableSlots } from '../snapshot.js'
import type { TimelineDetectorInput } from './timeline-input.js'

const WINDOW_MILLIS = 10 * 60_000
const MIN_BURSTS = 2
/** The share of the server's connections at its peaks that makes a group the one whose pools are too big. */
const MIN_SHARE = 0.5

interface Burst {
  readonly fromMillis: number
  readonly toMillis: number
  readonly serverPeak: number
}

/**
 * Stretches where the server's connections (pgleak's own included) reached `high`, each followed by
 * a fall to `low` or below: bursts that came back down. The last one counts while it is still high
 * only when one came down before it.
 */
function burstsOf(points: readonly SeriesPoint[], high: number, low: number): Burst[] {
  const bursts: Burst[] = []
  let current: { fromMillis: number; toMillis: number; serverPeak: number } | undefined
  let cameDown = 0
  for (const point of points) {
    const taken = point.max + PGLEAK_OWN_CONNECTIONS
    if (taken >= high) {
      if (current) {
        current.toMillis = point.atMillis
        current.serverPeak = Math.max(current.serverPeak, taken)
      } else current = { fromMillis: point.atMillis, toMillis: point.atMillis, serverPeak: taken }
    } else if (current && point.min + PGLEAK_OWN_CONNECTIONS <= low) {
      bursts.push(current)
      current = undefined
      cameDown++
    }
  }
  if (current && cameDown > 0) bursts.push(current)
  return bursts
}

/**
 * Not a leak: a group whose demand repeatedly takes the server to its limit
 * and comes back down, its floor steady between bursts. Each process's pools
 * can open pool size + overflow connections, and the processes together can
 * ask for more than the server has, so bursts are refused while nothing is
 * lost. Needs two bursts that came back down.
 */
export function detectPoolSizing(input: TimelineDetectorInput): PoolSizingFinding[] {
  const { timeline, settings, thresholds } = input
  const now = timeline.latest?.sampledAtMillis
  const since = timeline.continuousSinceMillis
  if (now === undefined || since === undefined) return []
  const from = Math.max(since, now - WINDOW_MILLIS)
  const usable = usableSlots(settings)
  if (usable <= 0) return []
  const high = Math.ceil((usable * thresholds.headroomErrorPercent) / 100)
  const low = high - Math.max(3, Math.ceil(usable * 0.1))
  const bursts = burstsOf(timeline.serverSeries.points(from), high, low)
  if (bursts.length < MIN_BURSTS) return []

  for (const group of timeline.groups) {
    // The group's count at each burst, and its floor between them.
    const peaks = bursts.map((b) => group.series.range(b.fromMillis, b.toMillis)?.max ?? 0)
    const floors: number[] = []
    for (let i = 1; i < bursts.length; i++) floors.push(group.series.range(bursts[i - 1]!.toMillis + 1, bursts[i]!.fromMillis - 1)?.min ?? 0)
    const peak = Math.max(...peaks)
    const serverPeak = Math.max(...bursts.map((b) => b.serverPeak))
    if (peak < MIN_SHARE * serverPeak) continue
    const floor = Math.min(...floors)
    // Its own connections must come back down between bursts, and the floor must hold: a rising floor is growth.
    if (peak - floor < Math.max(3, 0.2 * peak)) continue
    if (floors[floors.length - 1]! - floors[0]! >= thresholds.growthMinConnections) continue

    const label = groupLabel(group.key)
    const byAddress = new Map<string, number>()
    for (const session of timeline.sessions) {
      if (session.groupId !== group.id) continue
      const address = session.backend.clientAddr ?? 'local'
      byAddress.set(address, (byAddress.get(address) ?? 0) + 1)
    }
    const clientAddresses = [...byAddress].map(([address, connections]) => ({ address, connections })).sort((a, b) => b.connections - a.connections)
    const isFull = serverPeak >= usable
    const windowSeconds = Math.round((now - from) / 1000)
    return [
      {
        kind: 'pool-sizing',
        severity: isFull ? 'error' : 'warning',
        title: `${label}'s pools can ask for more connections than the server has: ${bursts.length} bursts to ${serverPeak} of ${usable} usable slots, back to ${floor} between (not a leak)`,
        subject: groupSubject(group.key),
        pids: [],
        evidence: {
          basis: 'server',
          bursts: bursts.length,
          peakConnections: peak,
          floorConnections: floor,
          serverPeakConnections: serverPeak,
          usableSlots: usable,
          clientAddresses,
          windowSeconds,
        },
        advice:
          `${label} bursts to ${peak} connections and comes back to ${floor}: its connections are returned and closed, so this is sizing, not a leak. ` +
          `${isFull ? 'At each burst the server refuses new connections ("remaining connection slots are reserved", "too many clients already"). ' : ''}` +
          `Every process's pool can open pool_size + max_overflow (SQLAlchemy) or max (node-postgres) connections; the processes together must stay under the ${usable} usable slots, ` +
          `less what other applications and admins need. Lower max_overflow or the pool size per process, use fewer processes, put PgBouncer (transaction mode) in front, or raise max_connections.` +
          (clientAddresses.length > 1 ? ` It connects from ${clientAddresses.length} addresses: ${clientAddresses.map((a) => `${a.address} (${a.connections} now)`).join(', ')}.` : ''),
      },
    ]
  }
  return []
}
