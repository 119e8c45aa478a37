// Where one log record ends and the next begins, so a refusal quoted twice
// in one record counts once. Python quotes a chained exception and again
// the exception that wraps it (psycopg2's OperationalError, then
// SQLAlchemy's), each after its own "Traceback (most recent call last):";
// Java does the same after "Caused by:". A record is a line that starts
// one (the layout's time, level, logger) and the traceback lines after it.
// Two stack traces printed back to back with nothing chaining them are two
// records, so two failures are never made one.

/** What a line is to the record it belongs to. */
type LineKind = 'record' | 'traceback' | 'frame' | 'chain' | 'exception' | 'blank'

const TRACEBACK = 'Traceback (most recent call last)'
const CHAIN_MARKERS = ['The above exception was', 'During handling of the above exception', 'Caused by: '] as const
const CONTINUATIONS = ['(Background on this error', '... '] as const
/** `psycopg2.OperationalError: ...`, `sqlalchemy.exc.TimeoutError: ...`, `java.sql.SQLTransientConnectionException: ...`. */
const EXCEPTION_LINE = /^[A-Za-z_][\w.$]*(?:Error|Exception|Timeout|Warning|Exit|Interrupt)(?::|$)/
const TRACEBACK_BYTES = Buffer.from(TRACEBACK)
const CHAIN_MARKER_BYTES = CHAIN_MARKERS.map((marker) => Buffer.from(marker))
const CONTINUATION_BYTES = CONTINUATIONS.map((text) => Buffer.from(text))
/** An exception's name is read from at most this many bytes. */
const NAME_BYTES = 200

function startsWithBytes(bytes: Buffer, start: number, end: number, prefix: Buffer): boolean {
  return end - start >= prefix.length && bytes.compare(prefix, 0, prefix.length, start, start + prefix.length) === 0
}

function kindOfText(line: string): LineKind {
  if (line.length === 0) return 'blank'
  const first = line.charCodeAt(0)
  if (first === 32 || first === 9) return 'frame'
  if (line.startsWith(TRACEBACK)) return 'traceback'
  if (CHAIN_MARKERS.some((marker) => line.startsWith(marker))) return 'chain'
  if (CONTINUATIONS.some((text) => line.startsWith(text))) return 'frame'
  return EXCEPTION_LINE.test(line) ? 'exception' : 'record'
}

function isNameByte(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95 || code === 46 || code === 36
}

function kindOfBytes(bytes: Buffer, start: number, end: number): LineKind {
  if (end === start) return 'blank'
  const first = bytes[start]!
  if (first === 32 || first === 9) return 'frame'
  // Cheap turns first: a line starting with a digit or bracket (a time, a pid) starts a record.
  if (!((first >= 65 && first <= 90) || (first >= 97 && first <= 122) || first === 95 || first === 40 || first === 46)) return 'record'
  if (startsWithBytes(bytes, start, end, TRACEBACK_BYTES)) return 'traceback'
  if (CHAIN_MARKER_BYTES.some((marker) => startsWithBytes(bytes, start, end, marker))) return 'chain'
  if (CONTINUATION_BYTES.some((text) => startsWithBytes(bytes, start, end, text))) return 'frame'
  let nameEnd = start
  const limit = Math.min(end, start + NAME_BYTES)
  while (nameEnd < limit && isNameByte(bytes[nameEnd]!)) nameEnd++
  if (nameEnd < end && bytes[nameEnd] !== 58 /* : */) return 'record'
  return EXCEPTION_LINE.test(bytes.toString('latin1', start, nameEnd)) ? 'exception' : 'record'
}

export class LogRecords {
  /** Exhaustion kinds already counted in the current record. */
  readonly #counted = new Set<string>()
  #last: LineKind = 'record'
  /** A chain marker came since the record's last exception line: the next exception is the same failure. */
  #chained = false
  #hasException = false

  /** The next line, as bytes. */
  see(bytes: Buffer, start: number, end: number): void {
    this.#next(kindOfBytes(bytes, start, end))
  }

  /** The next line, as text. */
  seeText(line: string): void {
    this.#next(kindOfText(line))
  }

  /** Whether an exhaustion of this kind on the current line repeats one its record already gave; counts it if not. */
  isRepeat(kind: string): boolean {
    if (this.#counted.has(kind)) return true
    this.#counted.add(kind)
    return false
  }

  #next(kind: LineKind): void {
    if (kind === 'blank') return
    if (this.#startsRecord(kind)) {
      this.#counted.clear()
      this.#chained = false
      this.#hasException = false
    }
    if (kind === 'chain') this.#chained = true
    if (kind === 'exception') {
      this.#hasException = true
      this.#chained = false
    }
    this.#last = kind
  }

  #startsRecord(kind: LineKind): boolean {
    switch (kind) {
      case 'record':
        return true
      case 'traceback':
        // A traceback belongs to the record line before it, or to the exception a chain marker led to.
        return !(this.#last === 'record' || this.#chained)
      case 'exception':
        // The line that ends a traceback; a second one needs a chain marker to be the same failure.
        return !((this.#last === 'frame' || this.#last === 'traceback') && (!this.#hasException || this.#chained)) && this.#last !== 'record'
      default:
        return false
    }
  }
}
