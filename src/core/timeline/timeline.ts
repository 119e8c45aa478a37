// Snapshots in order become a timeline: which sessions exist (by pid +
// backend_start), when each appeared and went, whether it was used again,
// and per group the count over time and the opens and closes per minute.
// Pure and bounded: it holds the live sessions, one series and one churn
// record per group, and nothing that grows with the length of the watch.
import { isClientBackend, type Backend } from '../backend.js'
import { dimensionValue, groupKeyId, groupKeyOf, type GroupDimension, type GroupKey } from '../grouping.js'
import { isIgnored, type IgnoreRule } from '../ignore-rule.js'
import { haveSameClientBackends, type Snapshot } from '../snapshot.js'
import { CountSeries, DEFAULT_SERIES_LIMITS, type SeriesLimits } from './count-series.js'
import { SessionChurn } from './session-churn.js'

export interface TrackedSession {
  readonly pid: number
  /** With the pid, what names the session: a pid is reused once its process ends. */
  readonly backendStartMillis: number | null
  /** null while the session is still connecting (state `starting`): it has no application name yet. */
  groupId: string | null
  readonly firstSeenMillis: number
  /** The last full reading of the clients that saw it (see Timeline#readings): one that did not was closed. */
  seenInReading: number
  /** Seen running a new statement after pgleak first saw it. */
  isReused: boolean
  /** As last seen: its query_start changing means the session ran something new. */
  backend: Backend
}

export interface GroupTimeline {
  readonly id: string
  readonly key: GroupKey
  readonly series: CountSeries
  readonly churn: SessionChurn
}

/** A stretch with no data: pgleak lost its connection, or the server restarted. */
export interface TimelineGap {
  readonly fromMillis: number
  readonly toMillis: number
  readonly reason: string
}

export interface TimelineOptions {
  readonly groupBy: readonly GroupDimension[]
  readonly ignore?: readonly IgnoreRule[]
  readonly seriesLimits?: SeriesLimits
}

const KEPT_GAPS = 100
const SESSION_COUNTER_WINDOW_MILLIS = 15 * 60_000
/** A named session that closed this young marks its client address as one that opens short-lived connections. */
const SHORT_LIFE_SECONDS = 5

/** Sessions that closed while still connecting, before they had a name, by client address. */
export interface UnattributedChurn {
  readonly clientAddr: string
  readonly churn: SessionChurn
  /** Per group, how often its named sessions from this address were seen opening (1) or closing young (2). */
  readonly ownerScores: Map<string, number>
}

/** The group most likely to own a client address's unnamed short-lived sessions, if any. */
export function likelyOwner(unattributed: UnattributedChurn): string | null {
  let best: string | null = null
  let bestScore = 0
  for (const [groupId, score] of unattributed.ownerScores) {
    if (score > bestScore) {
      best = groupId
      bestScore = score
    }
  }
  return best
}

export class Timeline {
  readonly groupBy: readonly GroupDimension[]
  /** Sessions left out of the groups (they still count against the server's slots). */
  readonly ignore: readonly IgnoreRule[]
  readonly #seriesLimits: SeriesLimits
  /** By pid; a different backend_start under the same pid is a new session (the pid was reused). */
  readonly #sessions = new Map<number, TrackedSession>()
  readonly #groups = new Map<string, GroupTimeline>()
  readonly #gaps: TimelineGap[] = []
  /** Client connections of the whole server, ignored ones included (they take slots too). */
  readonly serverSeries: CountSeries
  #latest: Snapshot | undefined
  #firstMillis: number | undefined
  /** The first snapshot after the start or a gap: its sessions were not opened in front of us. */
  #isFresh = true
  #samples = 0
  #samplesSinceGap = 0
  /**
   * Snapshots whose clients were read one by one. A snapshot holding the very same client objects as
   * the last one (a quiet poll: the reader hands back an unchanged session's object) is not: every
   * session is still there as it was, so only the counts are carried forward.
   */
  #readings = 0
  /** Snapshots on which something moved (see `changes`). */
  #changes = 0
  /** Each group's client count and the server's at the last snapshot, carried forward on a quiet one. */
  #lastCounts = new Map<string, number>()
  #lastServerClients = 0
  readonly #unattributed = new Map<string, UnattributedChurn>()
  /** (time, pg_stat_database sessions) pairs for the last minutes. */
  readonly #sessionCounter: { atMillis: number; total: number }[] = []

  constructor(options: TimelineOptions) {
    this.groupBy = options.groupBy
    this.ignore = options.ignore ?? []
    this.#seriesLimits = options.seriesLimits ?? DEFAULT_SERIES_LIMITS
    this.serverSeries = new CountSeries(this.#seriesLimits)
  }

  get latest(): Snapshot | undefined {
    return this.#latest
  }

  get samples(): number {
    return this.#samples
  }

  /**
   * How many snapshots moved something: a client session opened, closed or changed, or the server
   * established sessions (which polling may not see, when they are shorter than a poll). While it
   * stays the same, only the clock moves.
   */
  get changes(): number {
    return this.#changes
  }

  get firstMillis(): number | undefined {
    return this.#firstMillis
  }

  get gaps(): readonly TimelineGap[] {
    return this.#gaps
  }

  get groups(): IterableIterator<GroupTimeline> {
    return this.#groups.values()
  }

  get unattributedChurn(): IterableIterator<UnattributedChurn> {
    return this.#unattributed.values()
  }

  /**
   * Sessions the server established since `sinceMillis`, from pg_stat_database (exact, where polling
   * sees only the sessions alive at each poll); undefined without the counter or across a reset.
   */
  sessionsEstablishedSince(sinceMillis: number): { count: number; fromMillis: number } | undefined {
    const latest = this.#sessionCounter[this.#sessionCounter.length - 1]
    const first = this.#sessionCounter.find((entry) => entry.atMillis >= sinceMillis)
    if (!latest || !first || first === latest || latest.total < first.total) return undefined
    return { count: latest.total - first.total, fromMillis: first.atMillis }
  }

  group(id: string): GroupTimeline | undefined {
    return this.#groups.get(id)
  }

  get sessions(): IterableIterator<TrackedSession> {
    return this.#sessions.values()
  }

  /** Average time between samples since the last gap; what one poll can and cannot see depends on it. */
  get meanIntervalMillis(): number {
    const since = this.continuousSinceMillis
    const latest = this.#latest?.sampledAtMillis
    if (since === undefined || latest === undefined || this.#samplesSinceGap < 2) return 1000
    return (latest - since) / (this.#samplesSinceGap - 1)
  }

  /** Start of the data the detectors can trust: the first sample, or the end of the last gap. */
  get continuousSinceMillis(): number | undefined {
    const lastGap = this.#gaps[this.#gaps.length - 1]
    return lastGap ? Math.max(lastGap.toMillis, this.#firstMillis ?? lastGap.toMillis) : this.#firstMillis
  }

  ingest(snapshot: Snapshot): void {
    const now = snapshot.sampledAtMillis
    const previous = this.#latest
    if (!Number.isFinite(now) || (previous && now <= previous.sampledAtMillis)) return
    this.#firstMillis ??= now
    this.#latest = snapshot
    this.#samples++
    this.#samplesSinceGap++

    if (this.#isFresh || !previous || !haveSameClientBackends(previous, snapshot)) {
      this.#readClients(snapshot, previous?.sampledAtMillis ?? now)
      this.#changes++
    } else if (snapshot.sessionsEstablished !== previous.sessionsEstablished) this.#changes++
    for (const group of this.#groups.values()) group.series.push(now, this.#lastCounts.get(group.id) ?? 0)
    this.serverSeries.push(now, this.#lastServerClients)
    if (typeof snapshot.sessionsEstablished === 'number') {
      this.#sessionCounter.push({ atMillis: now, total: snapshot.sessionsEstablished })
      while (this.#sessionCounter.length > 0 && this.#sessionCounter[0]!.atMillis < now - SESSION_COUNTER_WINDOW_MILLIS) this.#sessionCounter.shift()
    }
    this.#isFresh = false
  }

  /** Reads a snapshot's clients one by one: which sessions opened, closed or ran something new, and the counts. */
  #readClients(snapshot: Snapshot, previousMillis: number): void {
    const now = snapshot.sampledAtMillis
    const reading = ++this.#readings
    const counts = new Map<string, number>()
    let serverClients = 0
    for (const backend of snapshot.backends) {
      if (!isClientBackend(backend)) continue
      serverClients++
      if (isIgnored(backend, this.ignore)) continue
      // A session still authenticating has no name yet, unless its startup packet already gave the one grouped by.
      const isConnecting = backend.state === 'starting' && !this.#isNamed(backend)
      let tracked = this.#sessions.get(backend.pid)
      if (tracked && tracked.backendStartMillis !== backend.backendStartMillis) {
        this.#close(tracked, previousMillis, now)
        tracked = undefined
      }
      if (tracked) {
        if (backend.queryStartMillis !== tracked.backend.queryStartMillis && tracked.groupId !== null) tracked.isReused = true
        tracked.seenInReading = reading
        tracked.backend = backend
      } else {
        tracked = {
          pid: backend.pid,
          backendStartMillis: backend.backendStartMillis,
          groupId: null,
          firstSeenMillis: now,
          seenInReading: reading,
          isReused: false,
          backend,
        }
        this.#sessions.set(backend.pid, tracked)
        // Sessions already there when pgleak started (or came back) were not opened in front of it.
        if (this.#isFresh && !isConnecting) tracked.groupId = this.#groupOf(backend).id
      }
      if (tracked.groupId === null && !isConnecting) {
        const group = this.#groupOf(backend)
        tracked.groupId = group.id
        group.churn.recordOpened(tracked.firstSeenMillis)
        this.#scoreOwner(backend.clientAddr ?? 'local', group.id, 1)
      }
      if (tracked.groupId !== null) counts.set(tracked.groupId, (counts.get(tracked.groupId) ?? 0) + 1)
    }

    for (const tracked of this.#sessions.values()) if (tracked.seenInReading !== reading) this.#close(tracked, previousMillis, now)
    this.#lastCounts = counts
    this.#lastServerClients = serverClients
  }

  /**
   * Marks a stretch without data. Sessions seen before it are forgotten
   * without counting them as closed (a restart ends them all at once, which
   * is not churn), and the first snapshot after it counts nothing as opened.
   */
  markGap(fromMillis: number, toMillis: number, reason: string): void {
    this.#gaps.push({ fromMillis, toMillis, reason })
    if (this.#gaps.length > KEPT_GAPS) this.#gaps.shift()
    this.#sessions.clear()
    this.#sessionCounter.length = 0
    this.#isFresh = true
    this.#samplesSinceGap = 0
  }

  /** A session gone since the last poll (at `previousMillis`, which saw it): counted as closed with its life. */
  #close(tracked: TrackedSession, previousMillis: number, now: number): void {
    this.#sessions.delete(tracked.pid)
    // It ended somewhere between the last poll that saw it and this one; take the middle.
    const endedMillis = (previousMillis + now) / 2
    const startedMillis = tracked.backendStartMillis ?? tracked.firstSeenMillis
    const lifetimeSeconds = Math.max(0, (endedMillis - startedMillis) / 1000)
    const clientAddr = tracked.backend.clientAddr ?? 'local'
    if (tracked.groupId === null) {
      const unattributed = this.#unattributedFor(clientAddr)
      unattributed.churn.recordOpened(tracked.firstSeenMillis)
      unattributed.churn.recordClosed(now, lifetimeSeconds)
      return
    }
    this.#groups.get(tracked.groupId)?.churn.recordClosed(now, lifetimeSeconds)
    if (lifetimeSeconds <= SHORT_LIFE_SECONDS) this.#scoreOwner(clientAddr, tracked.groupId, 2)
  }

  /** Whether every grouped-by value of a session is known: what a connecting session lacks until its startup is read. */
  #isNamed(backend: Backend): boolean {
    return this.groupBy.every((dimension) => {
      const value = dimensionValue(backend, dimension)
      return value !== null && value !== ''
    })
  }

  #unattributedFor(clientAddr: string): UnattributedChurn {
    let unattributed = this.#unattributed.get(clientAddr)
    if (!unattributed) {
      unattributed = { clientAddr, churn: new SessionChurn(), ownerScores: new Map() }
      this.#unattributed.set(clientAddr, unattributed)
    }
    return unattributed
  }

  #scoreOwner(clientAddr: string, groupId: string, points: number): void {
    const scores = this.#unattributedFor(clientAddr).ownerScores
    scores.set(groupId, (scores.get(groupId) ?? 0) + points)
  }

  #groupOf(backend: Backend): GroupTimeline {
    const key = groupKeyOf(backend, this.groupBy)
    const id = groupKeyId(key, this.groupBy)
    let group = this.#groups.get(id)
    if (!group) {
      group = { id, key, series: new CountSeries(this.#seriesLimits), churn: new SessionChurn() }
      this.#groups.set(id, group)
    }
    return group
  }
}
