// The sessions a server log has open, by backend pid: what only the
// `connection authorized` line says, kept until the backend's end. A busy
// log opens and ends a session every few lines, so this is a hash table of
// its own (open addressing, linear probing, removals marked and swept when
// the table is rebuilt) with the fields in parallel arrays: no object per
// session and no map entry made and deleted per session.

const EMPTY = -1
const REMOVED = -2
const INITIAL_CAPACITY = 1024

/** A number that can be a process id (Linux's are below 2^22): anything else read from a garbled prefix has no session. */
function isPid(pid: number): boolean {
  return Number.isInteger(pid) && pid >= 0 && pid <= 0x7fffffff
}

export class OpenSessions {
  #pids = new Int32Array(INITIAL_CAPACITY).fill(EMPTY)
  #applications: (string | undefined)[] = new Array<string | undefined>(INITIAL_CAPACITY)
  #users: (string | undefined)[] = new Array<string | undefined>(INITIAL_CAPACITY)
  #databases: (string | undefined)[] = new Array<string | undefined>(INITIAL_CAPACITY)
  /** NaN: the session's start time is not known. */
  #startMillis = new Float64Array(INITIAL_CAPACITY)
  /** 32 less the table's size in bits. */
  #shift = 32 - Math.log2(INITIAL_CAPACITY)
  #size = 0
  /** Slots holding a session or a removal mark: what decides when to rebuild. */
  #used = 0

  /** The session `take` last removed, in fields rather than an object: this runs for most lines of a big log. */
  application: string | undefined
  user: string | undefined
  database: string | undefined
  startMillis: number | null = null

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
    if ((this.#used + 1) * 2 > this.#pids.length) this.#rebuild()
    let slot = this.#slotOf(pid)
    if (slot === -1) {
      slot = this.#freeSlot(pid)
      if (this.#pids[slot] === EMPTY) this.#used++
      this.#pids[slot] = pid
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
    this.#used = 0
  }

  #removeAt(slot: number): void {
    this.#pids[slot] = REMOVED
    // Let go of the names: the table must not keep what the log no longer needs.
    this.#applications[slot] = undefined
    this.#users[slot] = undefined
    this.#databases[slot] = undefined
    this.#size--
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

  /** Where a new `pid` goes: the first removal mark or empty slot on its probe path. */
  #freeSlot(pid: number): number {
    const pids = this.#pids
    const mask = pids.length - 1
    for (let slot = this.#home(pid); ; slot = (slot + 1) & mask) {
      const held = pids[slot]!
      if (held === EMPTY || held === REMOVED) return slot
    }
  }

  /** Sweeps the removal marks out, and doubles the table when it is more than a quarter full of sessions. */
  #rebuild(): void {
    const pids = this.#pids
    const applications = this.#applications
    const users = this.#users
    const databases = this.#databases
    const startMillis = this.#startMillis
    const capacity = (this.#size + 1) * 4 > pids.length ? pids.length * 2 : pids.length
    this.#pids = new Int32Array(capacity).fill(EMPTY)
    this.#shift = 32 - Math.log2(capacity)
    this.#applications = new Array<string | undefined>(capacity)
    this.#users = new Array<string | undefined>(capacity)
    this.#databases = new Array<string | undefined>(capacity)
    this.#startMillis = new Float64Array(capacity)
    this.#used = 0
    for (let slot = 0; slot < pids.length; slot++) {
      const pid = pids[slot]!
      if (pid < 0) continue
      const to = this.#freeSlot(pid)
      this.#pids[to] = pid
      this.#applications[to] = applications[slot]
      this.#users[to] = users[slot]
      this.#databases[to] = databases[slot]
      this.#startMillis[to] = startMillis[slot]!
      this.#used++
    }
  }
}
