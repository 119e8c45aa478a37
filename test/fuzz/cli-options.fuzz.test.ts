// Every value a user can type after a flag is either taken or refused with
// commander's usage error (exit 2, one line): fast-check types the values.
import { InvalidArgumentError } from 'commander'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { collectIgnoreRule, parseCountOption, parseDurationOption, parseGroupByOption, parsePercentOption, parsePoolSize, parseSeverityOption } from '../../src/cli/option-parsers.js'

const PARSERS: Readonly<Record<string, (value: string) => unknown>> = {
  '--interval, --duration, --settle, --max-idle-in-transaction': parseDurationOption,
  '--group-by': parseGroupByOption,
  '--ignore': (value) => collectIgnoreRule(value, []),
  '--fail-on': parseSeverityOption,
  '--warn-usage, --max-usage': parsePercentOption,
  '--max-connections, --churn-per-minute': parseCountOption,
  '--pool-size': parsePoolSize,
}

/** What people type: numbers with units, lists, rules, and anything at all. */
const typed = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.tuple(fc.oneof(fc.integer({ min: -5, max: 100_000 }).map(String), fc.double().map(String), fc.constantFrom('', '1e400', 'NaN', 'Infinity', '0x10', '٣')), fc.constantFrom('', 's', 'ms', 'm', 'h', 'd', '%', '+', '+10', 'x')).map(([n, unit]) => `${n}${unit}`),
  fc.array(fc.constantFrom('app', 'user', 'db', 'client', 'x', ',', '=', '*', ' ', 'app=pg_dump', 'user='), { maxLength: 6 }).map((parts) => parts.join('')),
)

describe('flag values', () => {
  it.each(Object.entries(PARSERS))('%s: a value or a one-line usage error, never another exception', (_, parse) => {
    fc.assert(
      fc.property(typed, (value) => {
        try {
          const parsed = parse(value)
          // What is taken is something the command can use: no NaN, no infinity.
          if (typeof parsed === 'number') expect(Number.isFinite(parsed)).toBe(true)
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidArgumentError)
          expect((error as Error).message).not.toContain('\n')
        }
      }),
      { numRuns: 500 },
    )
  })
})
