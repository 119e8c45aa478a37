// Exclusions for sessions that are long on purpose (`--ignore app=pg_dump`,
// `--ignore user=replicator`, `--ignore app=airflow*`).
import type { Backend } from './backend.js'
import { globRegExp } from './escape-reg-exp.js'
import { dimensionValue, isGroupDimension, type GroupDimension } from './grouping.js'

export interface IgnoreRule {
  readonly dimension: GroupDimension
  readonly pattern: string
  readonly matcher: RegExp
}

/** Parses `dimension=pattern`, where `*` matches any run of characters. */
export function parseIgnoreRule(text: string): IgnoreRule | { readonly error: string } {
  const match = /^([a-z]+)=(.+)$/.exec(text.trim())
  const dimension = match?.[1]
  const pattern = match?.[2]
  if (!dimension || pattern === undefined || !isGroupDimension(dimension)) {
    return { error: `--ignore takes app=NAME, user=NAME, db=NAME or client=ADDRESS (a * matches anything), not '${text}'` }
  }
  return { dimension, pattern, matcher: globRegExp(pattern) }
}

export function isIgnored(backend: Backend, rules: readonly IgnoreRule[]): boolean {
  // A loop, not rules.some(): this runs for every session at every poll, and a closure each time adds up.
  for (const rule of rules) {
    const value = dimensionValue(backend, rule.dimension)
    if (value !== null && rule.matcher.test(value)) return true
  }
  return false
}
