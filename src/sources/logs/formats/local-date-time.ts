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

export class LocalDateTimeReader {
  /** Milliseconds of the date and time read, as if they were UTC. */
  localMillis = 0
  /** Where the text after the time (and its fraction) begins. */
  end = 0
  #dayKey = -1
  #dayMillis = 0

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
      millis = Math.floor(millis)
    }
    const dayKey = (year * 100 + month) * 100 + day
    if (dayKey !== this.#dayKey) {
      this.#dayKey = dayKey
      this.#dayMillis = Date.UTC(year, month - 1, day)
    }
    this.localMillis = this.#dayMillis + ((hour * 60 + minute) * 60 + second) * 1000 + millis
    this.end = position
    return true
  }
}
