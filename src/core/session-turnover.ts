// Sessions opened and closed per application, counted from one poll to the
// next: the counters behind churn as Prometheus sees it (rate() over them).
// A session that opened and closed between two polls is not seen; the
// server's own count of sessions (pg_stat_database.sessions) has those.
import { isClientBackend, type Backend } from './backend.js'
import type { Snapshot } from './snapshot.js'
import { sessionIdentity } from './timeline/session-identity.js'

export interface ApplicationTurnover {
  readonly opened: number
  readonly closed: number
}

/** Applications counted at most: past this, new names count under OTHER_APPLICATIONS, so the series stay bounded. */
export const MAX_COUNTED_APPLICATIONS = 200
export const OTHER_APPLICATIONS = '(other)'

export class SessionTurnover {
  /** Session identity -> its application, for the sessions open at the last poll. */
  #open = new Map<string, string>()
  readonly #counts = new Map<string, { opened: number; closed: number }>()
  #isFirst = true

  /** Counts what changed since the last poll; the first poll only sets the baseline. */
  ingest(snapshot: Snapshot): void {
    const now = new Map<string, string>()
    for (const backend of snapshot.backends) if (isClientBackend(backend)) now.set(sessionIdentity(backend), applicationOf(backend))
    if (!this.#isFirst) {
      for (const [identity, application] of now) if (!this.#open.has(identity)) this.#counter(application).opened++
      for (const [identity, application] of this.#open) if (!now.has(identity)) this.#counter(application).closed++
    }
    this.#isFirst = false
    this.#open = now
  }

  /** After a gap nothing is known of what opened or closed in it: counting starts again from the next poll. */
  forgetOpenSessions(): void {
    this.#isFirst = true
  }

  counts(): ReadonlyMap<string, ApplicationTurnover> {
    return this.#counts
  }

  #counter(application: string): { opened: number; closed: number } {
    let counter = this.#counts.get(application)
    if (!counter) {
      const name = this.#counts.size < MAX_COUNTED_APPLICATIONS ? application : OTHER_APPLICATIONS
      counter = this.#counts.get(name) ?? { opened: 0, closed: 0 }
      this.#counts.set(name, counter)
    }
    return counter
  }
}

function applicationOf(backend: Backend): string {
  return backend.application
}
