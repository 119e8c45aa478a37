// The pooler over time: per pooler, a few figures of each recent look (each
// group's clients, those waiting and those stuck, each pool's waiting and
// maxwait) and the latest look whole. Bounded: looks older than the window
// are dropped, so a day of watching costs what ten minutes do.
import { clientGroupOf, type PoolerConnection, type PoolerSnapshot } from './pooler.js'

const WINDOW_MILLIS = 10 * 60_000
/** A client not used since this long ago, used only right after it connected, is stuck: a connection opened, used once and kept. */
export const STUCK_AFTER_MILLIS = 3_000
/** PgBouncer's times have whole seconds: "used only right after connecting" allows for that. */
const USED_AT_CONNECT_MILLIS = 1_000

export interface PoolerGroupFigures {
  readonly clients: number
  readonly waiting: number
  readonly stuck: number
}

export interface PoolerLook {
  readonly atMillis: number
  readonly groups: ReadonlyMap<string, PoolerGroupFigures>
  /** Per `database/user` pool: clients waiting and the longest wait. */
  readonly pools: ReadonlyMap<string, { readonly waiting: number; readonly maxWaitSeconds: number }>
  readonly clients: number
}

/** A client opened, used once right then, and idle since: what an engine or pool made per call and never closed leaves. */
export function isStuckClient(client: PoolerConnection, nowMillis: number): boolean {
  if (client.state === 'waiting') return true
  if (client.connectMillis === null || client.requestMillis === null) return false
  return client.requestMillis - client.connectMillis <= USED_AT_CONNECT_MILLIS && nowMillis - client.requestMillis >= STUCK_AFTER_MILLIS
}

export function poolKey(database: string, user: string): string {
  return `${database}/${user}`
}

function lookOf(snapshot: PoolerSnapshot): PoolerLook {
  const groups = new Map<string, { clients: number; waiting: number; stuck: number }>()
  for (const client of snapshot.clients) {
    const key = clientGroupOf(client)
    const figures = groups.get(key) ?? { clients: 0, waiting: 0, stuck: 0 }
    figures.clients++
    if (client.state === 'waiting') figures.waiting++
    if (isStuckClient(client, snapshot.sampledAtMillis)) figures.stuck++
    groups.set(key, figures)
  }
  const pools = new Map(snapshot.pools.map((p) => [poolKey(p.database, p.user), { waiting: p.clientsWaiting, maxWaitSeconds: p.maxWaitSeconds }]))
  return { atMillis: snapshot.sampledAtMillis, groups, pools, clients: snapshot.clients.length }
}

export class PoolerTimeline {
  readonly #looks = new Map<string, PoolerLook[]>()
  readonly #latest = new Map<string, PoolerSnapshot>()

  ingest(snapshot: PoolerSnapshot): void {
    const looks = this.#looks.get(snapshot.pooler) ?? []
    looks.push(lookOf(snapshot))
    while (looks.length > 0 && looks[0]!.atMillis < snapshot.sampledAtMillis - WINDOW_MILLIS) looks.shift()
    this.#looks.set(snapshot.pooler, looks)
    this.#latest.set(snapshot.pooler, snapshot)
  }

  /** The poolers seen, each with its latest look whole and its recent looks, oldest first. */
  poolers(): { readonly latest: PoolerSnapshot; readonly looks: readonly PoolerLook[] }[] {
    return [...this.#latest.values()].map((latest) => ({ latest, looks: this.#looks.get(latest.pooler) ?? [] }))
  }

  get isEmpty(): boolean {
    return this.#latest.size === 0
  }
}
