// The server writes times in log_timezone, as `2024-05-01 12:00:00.123 UTC`
// (%m, csvlog, jsonlog), `2024-05-01 12:00:00 CET` (%t) or epoch seconds
// (%n). The zone is tzdata's abbreviation for the moment, or a numeric
// offset (`-03`, `+0545`) where tzdata has no letters for it.
import { bytesAt, textOf } from '../line-bytes.js'
import { LocalDateTimeReader } from './local-date-time.js'

/** Minutes east of UTC for abbreviations that mean one offset wherever they are printed. */
const ZONE_OFFSET_MINUTES: ReadonlyMap<string, number> = new Map([
  ['UTC', 0],
  ['UCT', 0],
  ['GMT', 0],
  ['Z', 0],
  ['WET', 0],
  ['WEST', 60],
  ['BST', 60],
  ['CET', 60],
  ['CEST', 120],
  ['MET', 60],
  ['MEST', 120],
  ['EET', 120],
  ['EEST', 180],
  ['MSK', 180],
  ['SAST', 120],
  ['PKT', 300],
  ['WIB', 420],
  ['HKT', 480],
  ['AWST', 480],
  ['JST', 540],
  ['KST', 540],
  ['ACST', 570],
  ['ACDT', 630],
  ['AEST', 600],
  ['AEDT', 660],
  ['NZST', 720],
  ['NZDT', 780],
  ['HST', -600],
  ['AKST', -540],
  ['AKDT', -480],
  ['PST', -480],
  ['PDT', -420],
  ['MST', -420],
  ['MDT', -360],
  ['EST', -300],
  ['EDT', -240],
  ['AST', -240],
  ['ADT', -180],
  ['NST', -210],
  ['NDT', -150],
])

const NUMERIC_ZONE = /^([+-])(\d{2}):?(\d{2})?$/

/**
 * Minutes east of UTC for a zone as the server prints it. Abbreviations that
 * mean different offsets in different places (CST: Chicago or Shanghai; IST:
 * India, Ireland or Israel) and any the table does not know are read as UTC:
 * times stay ordered within the log, but may be off by the zone's offset.
 */
export function zoneOffsetMinutes(zone: string): number {
  const known = ZONE_OFFSET_MINUTES.get(zone)
  if (known !== undefined) return known
  const numeric = NUMERIC_ZONE.exec(zone)
  if (!numeric) return 0
  const minutes = Number(numeric[2]) * 60 + Number(numeric[3] ?? 0)
  return numeric[1] === '-' ? -minutes : minutes
}

const DATE_TIME = /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/
const EPOCH = /(?:^|[^\d.])(\d{9,11})\.(\d{3})(?![\d.])/

/** The number written by `count` digits at `at`, or -1. */
function isZoneCharacter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 43 || code === 45 || code === 58
}

/**
 * Reads server times. Every line of a busy log carries one, so the last
 * day and zone seen are kept rather than worked out again.
 */
export class ServerTimeReader {
  readonly #dateTime = new LocalDateTimeReader()
  #zone = ''
  #zoneMillis = 0
  /** The last zone the byte reader saw, kept apart from the text reader's: a log may need both. */
  #zoneBytes: Buffer = Buffer.alloc(0)
  #zoneBytesMillis = 0

  /**
   * Epoch milliseconds from the first server timestamp in `text` before `end` (a stderr line's prefix:
   * given as a bound, not cut out, as this runs on every line), or null if it has none.
   */
  read(text: string, end = text.length): number | null {
    let at = 0
    if (!(text.charCodeAt(4) === 45 && text.charCodeAt(10) === 32 && end >= 19)) {
      const prefix = end < text.length ? text.slice(0, end) : text
      const found = DATE_TIME.exec(prefix)
      if (!found) {
        const epoch = EPOCH.exec(prefix)
        return epoch ? Number(epoch[1]) * 1000 + Number(epoch[2]) : null
      }
      at = found.index
    }
    if (!this.#dateTime.read(text, at, false) || this.#dateTime.end > end) return null
    const position = this.#dateTime.end
    let offsetMillis = 0
    if (position < end && text.charCodeAt(position) === 32) {
      const zoneStart = position + 1
      let zoneEnd = zoneStart
      while (zoneEnd < end && isZoneCharacter(text.charCodeAt(zoneEnd))) zoneEnd++
      if (zoneEnd > zoneStart) {
        if (zoneEnd - zoneStart !== this.#zone.length || !text.startsWith(this.#zone, zoneStart)) {
          // A copy: the reader outlives the line.
          this.#zone = (' ' + text.slice(zoneStart, zoneEnd)).slice(1)
          this.#zoneMillis = zoneOffsetMinutes(this.#zone) * 60_000
        }
        offsetMillis = this.#zoneMillis
      }
    }
    return this.#dateTime.localMillis - offsetMillis
  }

  /**
   * `read` on a stderr line's prefix, `bytes[start..end)`: the common layouts (`%m`, `%t` first) are
   * read from the bytes; any other is decoded and read as text.
   */
  readBytes(bytes: Buffer, start: number, end: number): number | null {
    if (!(bytes[start + 4] === 45 && bytes[start + 10] === 32 && end - start >= 19)) return this.read(textOf(bytes, start, end))
    if (!this.#dateTime.readBytes(bytes, start, end, false)) return null
    const position = this.#dateTime.end
    const offsetMillis = position < end && bytes[position] === 32 ? this.#zoneMillisAt(bytes, position + 1, end) : 0
    return this.#dateTime.localMillis - offsetMillis
  }

  /**
   * The offset of the zone written at `zoneStart` (0 when none is), most often the zone of the line
   * before: compared with it, not scanned and looked up again.
   */
  #zoneMillisAt(bytes: Buffer, zoneStart: number, end: number): number {
    const last = this.#zoneBytes
    const lastEnd = zoneStart + last.length
    if (last.length > 0 && bytesAt(bytes, zoneStart, end, last) && !(lastEnd < end && isZoneCharacter(bytes[lastEnd]!))) return this.#zoneBytesMillis
    let zoneEnd = zoneStart
    while (zoneEnd < end && isZoneCharacter(bytes[zoneEnd]!)) zoneEnd++
    if (zoneEnd === zoneStart) return 0
    this.#zoneBytes = Buffer.from(bytes.subarray(zoneStart, zoneEnd))
    this.#zoneBytesMillis = zoneOffsetMinutes(textOf(bytes, zoneStart, zoneEnd)) * 60_000
    return this.#zoneBytesMillis
  }
}
