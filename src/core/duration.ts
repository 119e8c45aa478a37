// Durations as users write them (`30s`, `5m`, `1h30m`, plain seconds) and as
// pgleak prints them (`5m12s`).

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g

/** Seconds, or undefined when the text is not a duration. */
export function parseDurationSeconds(text: string): number | undefined {
  const trimmed = text.trim()
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Number(trimmed)
  if (!/^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/.test(trimmed)) return undefined
  let total = 0
  for (const [, amount, unit] of trimmed.matchAll(PART)) total += Number(amount) * (UNIT_SECONDS[unit ?? 's'] ?? 1)
  return total
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '-'
  if (seconds <= 0) return '0s'
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`
  let rest = Math.floor(seconds)
  const days = Math.floor(rest / 86400)
  rest -= days * 86400
  const hours = Math.floor(rest / 3600)
  rest -= hours * 3600
  const minutes = Math.floor(rest / 60)
  const secs = rest - minutes * 60
  if (days > 0) return `${days}d${hours}h`
  if (hours > 0) return `${hours}h${String(minutes).padStart(2, '0')}m`
  if (minutes > 0) return `${minutes}m${String(secs).padStart(2, '0')}s`
  return `${secs}s`
}

/** A duration as a PostgreSQL setting takes it: `60s`, `5min`, `1h`. */
export function formatPostgresInterval(seconds: number): string {
  const whole = Math.round(seconds)
  if (whole % 3600 === 0 && whole > 0) return `${whole / 3600}h`
  if (whole % 60 === 0 && whole >= 300) return `${whole / 60}min`
  return `${whole}s`
}
