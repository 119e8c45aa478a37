// How --help shows an option's default: as the README writes it. Commander
// prints the default value as JSON (`["app"]`, `[]`, `false`, `30` for 30
// seconds); people read `app`, nothing, and `30s`.
import type { Help, Option } from 'commander'

/** Seconds as the README writes a duration: `500ms`, `1s`, `30s`, `10m`. */
export function durationText(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`
  if (seconds >= 120 && seconds % 60 === 0) return `${seconds / 60}m`
  return `${seconds}s`
}

/** The default as a reader wants it, or undefined when there is nothing worth saying (an off flag, an empty list). */
export function shownDefault(option: Option): string | undefined {
  if (option.defaultValueDescription) return option.defaultValueDescription
  const value: unknown = option.defaultValue
  if (value === undefined || typeof value === 'boolean') return undefined
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.join(',')
  if (typeof value === 'number' && option.flags.includes('<duration>')) return durationText(value)
  if (typeof value === 'number' && option.flags.includes('<percent>')) return `${value}%`
  return String(value)
}

/** commander's optionDescription, with defaults shown by shownDefault. */
export function optionDescription(option: Option): string {
  const extra: string[] = []
  if (option.argChoices) extra.push(`choices: ${option.argChoices.join(', ')}`)
  const shown = shownDefault(option)
  if (shown !== undefined) extra.push(`default: ${shown}`)
  if (option.envVar !== undefined) extra.push(`env: ${option.envVar}`)
  return extra.length > 0 ? `${option.description} (${extra.join(', ')})` : option.description
}

export const HELP_CONFIGURATION: Partial<Help> = { optionDescription }
