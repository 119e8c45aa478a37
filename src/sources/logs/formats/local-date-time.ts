// `YYYY-MM-DD HH:MM:SS[.fff]` read digit by digit, as the server-log and the
// Java-log time readers both need it on every line; the day's epoch is kept
// between lines, since most of a log's lines share it.

import { viewOf } from '../line-bytes.js'

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
  /** The last `YYYY-MM-DD HH:MM` the byte reader read, as four words (none yet: 0xff is never a digit), and its epoch. */
  readonly #minuteWords = new Int32Array(MINUTE_LENGTH / 4).fill(-1)
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

  /** Compared four bytes at a time: this runs for every timestamped line. */
  #isLastMinute(bytes: Uint8Array, at: number): boolean {
    const view = viewOf(bytes)
    const minute = this.#minuteWords
    return view.getInt32(at, true) === minute[0] && view.getInt32(at + 4, true) === minute[1] && view.getInt32(at + 8, true) === minute[2] && view.getInt32(at + 12, true) === minute[3]
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
    const view = viewOf(bytes)
    for (let i = 0; i < this.#minuteWords.length; i++) this.#minuteWords[i] = view.getInt32(at + i * 4, true)
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
