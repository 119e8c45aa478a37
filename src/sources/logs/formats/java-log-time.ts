// Times at the start of a Java application's log line, as logback, log4j
// and slf4j-simple write them: `2025-08-30T17:18:01.034+03:00` (Spring
// Boot), `2024-05-01 12:00:31.002`, `2024-05-01 12:00:31,002` (log4j's
// ISO8601). A layout without a zone is read as UTC: the log does not say
// where it was written. A time of day alone (logback's default `HH:mm:ss.SSS`)
// or slf4j-simple's milliseconds since start give no time.
import { digitsAt, LocalDateTimeReader } from './local-date-time.js'

/** Reads line times. */
export class LineTimeReader {
  readonly #dateTime = new LocalDateTimeReader()

  /** Epoch milliseconds from the date and time the line starts with, or null. */
  read(line: string): number | null {
    const separator = line.charCodeAt(10)
    if (line.charCodeAt(4) !== 45 || line.charCodeAt(7) !== 45 || (separator !== 84 /* T */ && separator !== 32)) return null
    if (!this.#dateTime.read(line, 0, true)) return null
    const local = this.#dateTime.localMillis
    const at = this.#dateTime.end
    const sign = line.charCodeAt(at)
    if (sign !== 43 /* + */ && sign !== 45 /* - */) return local
    const offsetHours = digitsAt(line, at + 1, 2)
    const offsetMinutes = digitsAt(line, line.charCodeAt(at + 3) === 58 /* : */ ? at + 4 : at + 3, 2)
    if (offsetHours < 0) return local
    const offset = (offsetHours * 60 + Math.max(0, offsetMinutes)) * 60_000
    return sign === 43 ? local - offset : local + offset
  }
}
