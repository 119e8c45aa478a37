// Times at the start of a Java application's log line, as logback, log4j
// and slf4j-simple write them: `2025-08-30T17:18:01.034+03:00` (Spring
// Boot), `2024-05-01 12:00:31.002`, `2024-05-01 12:00:31,002` (log4j's
// ISO8601). A layout without a zone is read as UTC: the log does not say
// where it was written. A time of day alone (logback's default `HH:mm:ss.SSS`)
// or slf4j-simple's milliseconds since start give no time.

function digitsAt(text: string, at: number, count: number): number {
  let value = 0
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - 48
    if (!(digit >= 0 && digit <= 9)) return -1
    value = value * 10 + digit
  }
  return value
}

/** Reads line times; the day is kept between lines, most of a log's lines share it. */
export class LineTimeReader {
  #dayKey = -1
  #dayMillis = 0

  /** Epoch milliseconds from the date and time the line starts with, or null. */
  read(line: string): number | null {
    const separator = line.charCodeAt(10)
    if (line.charCodeAt(4) !== 45 || line.charCodeAt(7) !== 45 || (separator !== 84 /* T */ && separator !== 32)) return null
    const year = digitsAt(line, 0, 4)
    const month = digitsAt(line, 5, 2)
    const day = digitsAt(line, 8, 2)
    const hour = digitsAt(line, 11, 2)
    const minute = digitsAt(line, 14, 2)
    const second = digitsAt(line, 17, 2)
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return null
    let at = 19
    let millis = 0
    const mark = line.charCodeAt(at)
    if (mark === 46 /* . */ || mark === 44 /* , */) {
      let scale = 100
      for (at++; ; at++) {
        const digit = line.charCodeAt(at) - 48
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
    const local = this.#dayMillis + ((hour * 60 + minute) * 60 + second) * 1000 + millis
    const sign = line.charCodeAt(at)
    if (sign !== 43 /* + */ && sign !== 45 /* - */) return local
    const offsetHours = digitsAt(line, at + 1, 2)
    const offsetMinutes = digitsAt(line, line.charCodeAt(at + 3) === 58 /* : */ ? at + 4 : at + 3, 2)
    if (offsetHours < 0) return local
    const offset = (offsetHours * 60 + Math.max(0, offsetMinutes)) * 60_000
    return sign === 43 ? local - offset : local + offset
  }
}
