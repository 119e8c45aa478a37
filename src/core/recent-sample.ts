// The latest values of a measure (hold times, connection and session
// lifetimes), each with when it was taken: enough for a median or a rate
// over a log of any length. A ring over typed arrays, grown by doubling up
// to its limit: a log of millions of sessions adds millions of values, and
// adding one allocates nothing once the ring is full.

const FIRST_CAPACITY = 16

export interface TimedValue {
  readonly atMillis: number
  readonly value: number
}

export class RecentSample {
  readonly limit: number
  #atMillis = new Float64Array(FIRST_CAPACITY)
  #values = new Float64Array(FIRST_CAPACITY)
  #added = 0

  constructor(limit: number) {
    this.limit = limit
  }

  /** How many values were ever added (the sample keeps the last `limit`). */
  get added(): number {
    return this.#added
  }

  get size(): number {
    return Math.min(this.#added, this.limit)
  }

  /** Adds a value, and when it was taken (NaN: not known). */
  add(value: number, atMillis = Number.NaN): void {
    const added = this.#added
    if (added < this.limit && added === this.#values.length) this.#grow()
    const slot = added % this.limit
    this.#values[slot] = value
    this.#atMillis[slot] = atMillis
    this.#added = added + 1
  }

  /** The values kept, oldest first. */
  values(): number[] {
    return this.#slots().map((slot) => this.#values[slot]!)
  }

  /** The values kept with their times, oldest first. */
  entries(): TimedValue[] {
    return this.#slots().map((slot) => ({ atMillis: this.#atMillis[slot]!, value: this.#values[slot]! }))
  }

  #slots(): number[] {
    const size = this.size
    const oldest = this.#added > this.limit ? this.#added % this.limit : 0
    return Array.from({ length: size }, (_, i) => (oldest + i) % this.limit)
  }

  #grow(): void {
    const capacity = Math.min(this.limit, this.#values.length * 2)
    const atMillis = new Float64Array(capacity)
    const values = new Float64Array(capacity)
    atMillis.set(this.#atMillis)
    values.set(this.#values)
    this.#atMillis = atMillis
    this.#values = values
  }
}
