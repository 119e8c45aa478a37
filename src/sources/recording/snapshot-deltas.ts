// Recordings that can be left on: a poll is written as what changed since the
// one before (a few sessions on a mostly idle server), with a full snapshot
// every FULL_SNAPSHOT_EVERY_POLLS polls and after every gap, and the reader
// rebuilds each poll whole, so the replay sees exactly what the live run saw.
import type { Backend } from '../../core/backend.js'
import type { Snapshot } from '../../core/snapshot.js'
import { FULL_SNAPSHOT_EVERY_POLLS, snapshotEvent, toBackendRow, type BackendRow, type RecordingEvent } from './recording-format.js'

/** Turns each poll into a full snapshot or a delta against the poll before. */
export class DeltaEncoder {
  /** Each session's row as written, by pid: a row that serialises the same has not changed. */
  #rows = new Map<number, string>()
  #pollsSinceFull = Number.POSITIVE_INFINITY

  /** The next poll must be written whole (after a gap: what came before may be gone). */
  reset(): void {
    this.#pollsSinceFull = Number.POSITIVE_INFINITY
  }

  encode(snapshot: Snapshot): RecordingEvent {
    const rows = new Map<number, string>()
    for (const backend of snapshot.backends) rows.set(backend.pid, JSON.stringify(toBackendRow(backend)))
    const previous = this.#rows
    this.#rows = rows
    if (this.#pollsSinceFull >= FULL_SNAPSHOT_EVERY_POLLS - 1) {
      this.#pollsSinceFull = 0
      return snapshotEvent(snapshot)
    }
    this.#pollsSinceFull++
    const upserts: BackendRow[] = []
    for (const backend of snapshot.backends) if (previous.get(backend.pid) !== rows.get(backend.pid)) upserts.push(toBackendRow(backend))
    const gone: number[] = []
    for (const pid of previous.keys()) if (!rows.has(pid)) gone.push(pid)
    return { type: 'delta', at: snapshot.sampledAtMillis, sessions: snapshot.sessionsEstablished ?? null, upserts, gone }
  }
}

/** Rebuilds whole polls from full snapshots and deltas; a delta before any full snapshot (a file read from its middle) gives none. */
export class DeltaDecoder {
  #backends: Map<number, Backend> | undefined

  full(backends: readonly Backend[]): void {
    this.#backends = new Map(backends.map((b) => [b.pid, b]))
  }

  /** The poll a delta stands for, or undefined when there is nothing to apply it to yet. */
  apply(at: number, sessions: number | null, upserts: readonly Backend[], gone: readonly number[]): Snapshot | undefined {
    if (!this.#backends) return undefined
    for (const pid of gone) this.#backends.delete(pid)
    for (const backend of upserts) this.#backends.set(backend.pid, backend)
    return { sampledAtMillis: at, sessionsEstablished: sessions, backends: [...this.#backends.values()] }
  }
}

