// PostgreSQL's csvlog quoting: fields are bare or double-quoted, a quote
// inside a quoted field is doubled, and a quoted field may hold newlines,
// so one record can span several lines.

/** How many `"` a line holds: an odd count leaves a quoted field open at its end. */
export function quoteCount(line: string): number {
  let count = 0
  for (let at = line.indexOf('"'); at !== -1; at = line.indexOf('"', at + 1)) count++
  return count
}

/**
 * Picks fields by index from a record on one line without splitting the
 * rest: `wanted` in increasing order. Undefined when the record ends before
 * the first wanted field or a quoted field is left open; fields past the
 * record's end are left out.
 */
export function csvFields(line: string, wanted: readonly number[]): (string | undefined)[] | undefined {
  const values: (string | undefined)[] = []
  let at = 0
  let index = 0
  for (const target of wanted) {
    while (index < target) {
      at = fieldEnd(line, at)
      if (at === -1 || at >= line.length) return values.length === 0 ? undefined : values
      at++ // the comma
      index++
    }
    const end = fieldEnd(line, at)
    if (end === -1) return undefined
    values.push(line.charCodeAt(at) === 34 ? line.slice(at + 1, end - 1).replaceAll('""', '"') : line.slice(at, end))
  }
  return values
}

/** Where the field starting at `at` ends (its comma or the line's end), or -1 for an open quote. */
function fieldEnd(line: string, at: number): number {
  if (line.charCodeAt(at) !== 34 /* " */) {
    const comma = line.indexOf(',', at)
    return comma === -1 ? line.length : comma
  }
  let quote = line.indexOf('"', at + 1)
  while (quote !== -1 && line.charCodeAt(quote + 1) === 34) quote = line.indexOf('"', quote + 2)
  return quote === -1 ? -1 : quote + 1
}
