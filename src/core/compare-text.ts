/**
 * Orders text by code unit, the same on every machine. `localeCompare` would order by the user's
 * locale, and its first call loads ICU's collator: about 7 ms of a whole `pgleak audit`, spent to
 * break ties between group names.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
