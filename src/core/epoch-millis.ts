// Times pgleak is handed in files: a number is a time only if a Date can hold
// it, or it fails the first time a finding prints it.

/** The most milliseconds from the epoch a Date holds, either way (ECMAScript's limit). */
const MAX_DATE_MILLIS = 8.64e15

export function isEpochMillis(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= MAX_DATE_MILLIS
}
