// Flag values to typed values; a bad value is a commander InvalidArgumentError,
// which the CLI reports as a usage error (exit 2) naming the flag.
import { InvalidArgumentError } from 'commander'
import { parseDurationSeconds } from '../core/duration.js'
import { isSeverity, SEVERITIES, type Severity } from '../core/finding.js'
import { GROUP_DIMENSIONS, isGroupDimension, type GroupDimension } from '../core/grouping.js'
import { parseIgnoreRule, type IgnoreRule } from '../core/ignore-rule.js'

export function parseDurationOption(value: string): number {
  const seconds = parseDurationSeconds(value)
  if (seconds === undefined || seconds < 0) throw new InvalidArgumentError(`'${value}' is not a duration (write 30s, 5m, 1h or plain seconds).`)
  return seconds
}

export function parseGroupByOption(value: string): GroupDimension[] {
  const dimensions = value.split(',').map((part) => part.trim())
  const unknown = dimensions.filter((d) => !isGroupDimension(d))
  if (unknown.length > 0 || dimensions.length === 0) {
    throw new InvalidArgumentError(`'${unknown.join(',') || value}' is not a grouping; use any of ${GROUP_DIMENSIONS.join(', ')}, comma-separated.`)
  }
  return [...new Set(dimensions)] as GroupDimension[]
}

/** A repeatable option's values, in the order given (commander passes undefined before the first when there is no default). */
export function collectRepeated(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

export function collectIgnoreRule(value: string, previous: readonly IgnoreRule[] = []): IgnoreRule[] {
  const rule = parseIgnoreRule(value)
  if ('error' in rule) throw new InvalidArgumentError(rule.error)
  return [...previous, rule]
}

export function parseSeverityOption(value: string): Severity {
  if (!isSeverity(value)) throw new InvalidArgumentError(`use one of ${SEVERITIES.join(', ')}.`)
  return value
}

export function parsePercentOption(value: string): number {
  const number = Number(value.replace(/%$/, ''))
  if (!Number.isFinite(number) || number <= 0 || number > 100) throw new InvalidArgumentError(`'${value}' is not a percentage between 1 and 100.`)
  return number
}

export function parseCountOption(value: string): number {
  const number = Number(value)
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError(`'${value}' is not a positive number.`)
  return number
}

/** `5+10` (pool size + overflow) or `20` (a pool without overflow). */
export function parsePoolSize(value: string): { size: number; overflow: number } {
  const match = /^\s*(\d+)\s*(?:\+\s*(\d+)\s*)?$/.exec(value)
  if (!match || Number(match[1]) <= 0) throw new InvalidArgumentError(`'${value}' is not a pool size: give size+overflow, e.g. 5+10, or a size, e.g. 20.`)
  return { size: Number(match[1]), overflow: Number(match[2] ?? 0) }
}
