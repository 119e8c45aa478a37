// The sessions a server log has open, by backend pid: what only the
// `connection authorized` line says, kept until the backend's end. A busy
// log opens and ends a session every few lines, so this is a hash table of
// its own, with the fields in parallel arrays: no object per session and no
// map entry made and deleted per session. Open addressing with linear
// probing; a removal shifts the entries after it back (Knuth's algorithm R)
// rather than leaving a mark, so millions of sessions coming and going
// leave no debris to probe past or sweep.

const EMPTY = -1
const INITIAL_CAPACITY = 1024

/** A number that can be a process id (Linux's are below 2^22): anything else read from a garbled prefix has no session. */
function isPid(pid: number): boolean {
  return Number.isInteger(pid) && pid >= 0 && pid <= 0x7fffffff
}

export class OpenSessions {
  // Set by #allocate, from the constructor on.
  #pids!: Int32Array
  #applications!: (string | undefined)[]
  #users!: (string | undefined)[]
  #databases!: (string | undefined)[]
  /** NaN: the session's start time is not known. */
  #startMillis!: Float64Array
  /** 32 less the table's size in bits. */
  #shift!: number
  #size = 0

  /** The session `take` last removed, in fields rather than an object: this runs for most lines of a big log. */
  application: string | undefined
  user: string | undefined
  database: string | undefined
  startMillis: number | null = null

  /** `initialCapacity` is rounded up to a power of two; the table doubles whenever it is half full. */
  constructor(initialCapacity = INITIAL_CAPACITY) {
    this.#allocate(2 ** Math.ceil(Math.log2(Math.max(2, initialCapacity))))
  }

  get size(): number {
    return this.#size
  }

  /** Slots in the table: what its memory grows with, a small multiple of the sessions open. */
  get capacity(): number {
    return this.#pids.length
  }

  /** Opens a session for `pid`, replacing what the pid held: a pid seen again is a new backend. */
  open(pid: number, application: string | undefined, user: string | undefined, database: string | undefined, startMillis: number | null): void {
    if (!isPid(pid)) return
    // At most half full, so probes stay short.
    if ((this.#size + 1) * 2 > this.#pids.length) this.#grow()
    const pids = this.#pids
    const mask = pids.length - 1
    let slot = this.#home(pid)
    while (pids[slot] !== pid && pids[slot] !== EMPTY) slot = (slot + 1) & mask
    if (pids[slot] === EMPTY) {
      pids[slot] = pid
      this.#size++
    }
    this.#applications[slot] = application
    this.#users[slot] = user
    this.#databases[slot] = database
    this.#startMillis[slot] = startMillis ?? NaN
  }

  /** Removes `pid`'s session, if one is open, into `application`, `user`, `database` and `startMillis`. */
  take(pid: number): boolean {
    const slot = this.#slotOf(pid)
    if (slot === -1) return false
    this.application = this.#applications[slot]
    this.user = this.#users[slot]
    this.database = this.#databases[slot]
    const startMillis = this.#startMillis[slot]!
    this.startMillis = Number.isNaN(startMillis) ? null : startMillis
    this.#removeAt(slot)
    return true
  }

  remove(pid: number): void {
    const slot = this.#slotOf(pid)
    if (slot !== -1) this.#removeAt(slot)
  }

  clear(): void {
    this.#pids.fill(EMPTY)
    this.#applications.fill(undefined)
    this.#users.fill(undefined)
    this.#databases.fill(undefined)
    this.#size = 0
  }

  /** Fibonacci hashing: the product's high bits, which every bit of the pid moves. */
  #home(pid: number): number {
    return Math.imul(pid, 0x9e3779b1) >>> this.#shift
  }

  #slotOf(pid: number): number {
    if (!isPid(pid)) return -1
    const pids = this.#pids
    const mask = pids.length - 1
    for (let slot = this.#home(pid); ; slot = (slot + 1) & mask) {
      const held = pids[slot]!
      if (held === pid) return slot
      if (held === EMPTY) return -1
    }
  }

  /**
   * Empties `slot`, then moves back each later entry of the run that could no longer be found past
   * the gap (its home is not between the gap and where it sits), until the run ends.
   */
  #removeAt(slot: number): void {
    const pids = this.#pids
    const mask = pids.length - 1
    let gap = slot
    for (let next = (gap + 1) & mask; pids[next] !== EMPTY; next = (next + 1) & mask) {
      const home = this.#home(pids[next]!)
      // Stays where it is when its home lies cyclically in (gap, next].
      const staysPut = gap <= next ? gap < home && home <= next : gap < home || home <= next
      if (staysPut) continue
      this.#move(next, gap)
      gap = next
    }
    pids[gap] = EMPTY
    // Let go of the names: the table must not keep what the log no longer needs.
    this.#applications[gap] = undefined
    this.#users[gap] = undefined
    this.#databases[gap] = undefined
    this.#size--
  }

  #move(from: number, to: number): void {
    this.#pids[to] = this.#pids[from]!
    this.#applications[to] = this.#applications[from]
    this.#users[to] = this.#users[from]
    this.#databases[to] = this.#databases[from]
    this.#startMillis[to] = this.#startMillis[from]!
  }

  #allocate(capacity: number): void {
    this.#pids = new Int32Array(capacity).fill(EMPTY)
    this.#applications = new Array<string | undefined>(capacity).fill(undefined)
    this.#users = new Array<string | undefined>(capacity).fill(undefined)
    this.#databases = new Array<string | undefined>(capacity).fill(undefined)
    this.#startMillis = new Float64Array(capacity)
    this.#shift = 32 - Math.log2(capacity)
  }

  #grow(): void {
    const pids = this.#pids
    const applications = this.#applications
    const users = this.#users
    const databases = this.#databases
    const startMillis = this.#startMillis
    this.#allocate(pids.length * 2)
    const mask = this.#pids.length - 1
    for (let from = 0; from < pids.length; from++) {
      const pid = pids[from]!
      if (pid === EMPTY) continue
      let to = this.#home(pid)
      while (this.#pids[to] !== EMPTY) to = (to + 1) & mask
      this.#pids[to] = pid
      this.#applications[to] = applications[from]
      this.#users[to] = users[from]
      this.#databases[to] = databases[from]
      this.#startMillis[to] = startMillis[from]!
    }
  }
}
