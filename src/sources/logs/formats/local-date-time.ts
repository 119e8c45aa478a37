// `YYYY-MM-DD HH:MM:SS[.fff]` read digit by digit, as the server-log and the
// Java-log time readers both need it on every line; the day's epoch is kept
// between lines, since most of a log's lines share it.

export function digitsAt(text: string, at: number, count: number): number {
  let value = 0
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - 48
    if (!(digit >= 0 && digit <= 9)) return -1
    value = value * 10 + digit
  }
  return value
}

/** `digitsAt` on a line's bytes: parsers of big files read the time without decoding the line. */
export function byteDigitsAt(bytes: Uint8Array, at: number, count: number): number {
  let value = 0
  for (let i = at; i < at + count; i++) {
    const digit = bytes[i]! - 48
    if (!(digit >= 0 && digit <= 9)) return -1
    value = value * 10 + digit
  }
  return value
}

/** `YYYY-MM-DD HH:MM` */
const MINUTE_LENGTH = 16

export class LocalDateTimeReader {
  /** Milliseconds of the date and time read, as if they were UTC. */
  localMillis = 0
  /** Where the text after the time (and its fraction) begins. */
  end = 0
  #dayKey = -1
  #dayMillis = 0
  /** The bytes of the last `YYYY-MM-DD HH:MM` the byte reader read (none yet: 0xff is never a digit), and its epoch. */
  readonly #minuteBytes = new Uint8Array(MINUTE_LENGTH).fill(0xff)
  #minuteMillis = 0

  /** Reads the date and time at `at`; a fraction after '.' (or ',' when `isCommaFraction`) is kept to the millisecond. */
  read(text: string, at: number, isCommaFraction: boolean): boolean {
    const year = digitsAt(text, at, 4)
    const month = digitsAt(text, at + 5, 2)
    const day = digitsAt(text, at + 8, 2)
    const hour = digitsAt(text, at + 11, 2)
    const minute = digitsAt(text, at + 14, 2)
    const second = digitsAt(text, at + 17, 2)
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return false
    let position = at + 19
    let millis = 0
    const mark = text.charCodeAt(position)
    if (mark === 46 /* . */ || (isCommaFraction && mark === 44) /* , */) {
      let scale = 100
      for (position++; ; position++) {
        const digit = text.charCodeAt(position) - 48
        if (!(digit >= 0 && digit <= 9)) break
        millis += digit * scale
        scale /= 10
      }
    }
    this.#keep(year, month, day, hour, minute, second, millis, position)
    return true
  }

  /**
   * `read` on a line's bytes (`end` bounds it: a buffer holds more than the line). Lines of a busy
   * log share their minute, so the bytes of the last minute read are kept and only the seconds and
   * fraction are read when they match.
   */
  readBytes(bytes: Uint8Array, at: number, end: number, isCommaFraction: boolean): boolean {
    if (at + 19 > end) return false
    if (!this.#isLastMinute(bytes, at) && !this.#readMinute(bytes, at)) return false
    const second = byteDigitsAt(bytes, at + 17, 2)
    if (second < 0) return false
    let position = at + 19
    let millis = 0
    const mark = position < end ? bytes[position] : undefined
    if (mark === 46 /* . */ || (isCommaFraction && mark === 44) /* , */) {
      // Milliseconds from the first three digits (`.5` is 500); finer digits are passed over.
      let scale = 100
      for (position++; position < end; position++) {
        const digit = bytes[position]! - 48
        if (!(digit >= 0 && digit <= 9)) break
        millis += digit * scale
        scale = (scale / 10) | 0
      }
    }
    this.localMillis = this.#minuteMillis + second * 1000 + millis
    this.end = position
    return true
  }

  #isLastMinute(bytes: Uint8Array, at: number): boolean {
    const minute = this.#minuteBytes
    for (let i = 0; i < MINUTE_LENGTH; i++) if (bytes[at + i] !== minute[i]) return false
    return true
  }

  /** Reads `YYYY-MM-DD HH:MM` at `at` and keeps it as the last minute. */
  #readMinute(bytes: Uint8Array, at: number): boolean {
    const year = byteDigitsAt(bytes, at, 4)
    const month = byteDigitsAt(bytes, at + 5, 2)
    const day = byteDigitsAt(bytes, at + 8, 2)
    const hour = byteDigitsAt(bytes, at + 11, 2)
    const minute = byteDigitsAt(bytes, at + 14, 2)
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0) return false
    this.#minuteMillis = this.#dayMillisOf(year, month, day) + (hour * 60 + minute) * 60_000
    this.#minuteBytes.set(bytes.subarray(at, at + MINUTE_LENGTH))
    return true
  }

  #dayMillisOf(year: number, month: number, day: number): number {
    const dayKey = (year * 100 + month) * 100 + day
    if (dayKey !== this.#dayKey) {
      this.#dayKey = dayKey
      this.#dayMillis = Date.UTC(year, month - 1, day)
    }
    return this.#dayMillis
  }

  #keep(year: number, month: number, day: number, hour: number, minute: number, second: number, millis: number, end: number): void {
    this.localMillis = this.#dayMillisOf(year, month, day) + ((hour * 60 + minute) * 60 + second) * 1000 + Math.floor(millis)
    this.end = end
  }
}
