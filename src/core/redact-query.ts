import type { Snapshot } from './snapshot.js'

// `--redact`: query text can carry customer data in its literals. Replace
// string, dollar-quoted and numeric literals with `?`, keeping the shape of
// the statement (what users need to find the code that ran it) and leaving
// bind placeholders such as `$1` alone.

const LITERALS = /\$([A-Za-z_]\w*)?\$[\s\S]*?\$\1\$|[EeBbXxNn]?'(?:[^']|'')*'?|(?<![\w$])\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b/g

export function redactQuery(query: string): string {
  return query.replace(LITERALS, '?')
}

export function redactSnapshot(snapshot: Snapshot): Snapshot {
  return {
    ...snapshot,
    backends: snapshot.backends.map((b) => (b.query === null ? b : { ...b, query: redactQuery(b.query) })),
  }
}
