// The open-session table against a Map doing the same: a server log opens,
// replaces and ends sessions by pid millions of times, and a table that lost
// or mixed up one would misname a session's application.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { OpenSessions } from '../../../../src/sources/logs/formats/open-sessions.js'

type Operation =
  | { readonly op: 'open'; readonly pid: number; readonly application: string | undefined; readonly startMillis: number | null }
  | { readonly op: 'take' | 'remove'; readonly pid: number }
  | { readonly op: 'clear' }

interface Session {
  readonly application: string | undefined
  readonly startMillis: number | null
}

/**
 * Pids from a range narrow enough that they come back (as reused pids do) and that hundreds are open
 * at once, so they collide in the table and removals must move others; or from anywhere.
 */
const pid = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 1500 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 4_194_304 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 4096 }).map((n) => n * 1024) })
const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 60, arbitrary: fc.record({ op: fc.constant('open' as const), pid, application: fc.option(fc.constantFrom('api', 'worker', ''), { nil: undefined }), startMillis: fc.option(fc.nat(), { nil: null }) }) },
  { weight: 30, arbitrary: fc.record({ op: fc.constant('take' as const), pid }) },
  { weight: 10, arbitrary: fc.record({ op: fc.constant('remove' as const), pid }) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
)

describe('OpenSessions', () => {
  it('holds exactly what a Map would, through growth, removals and clears', () => {
    fc.assert(
      // A small table to start with: runs of colliding pids wrap around its end and it grows often.
      fc.property(fc.constantFrom(2, 16, 1024), fc.array(operation, { minLength: 500, maxLength: 4000 }), (initialCapacity, operations) => {
        const table = new OpenSessions(initialCapacity)
        const model = new Map<number, Session>()
        for (const step of operations) {
          if (step.op === 'open') {
            table.open(step.pid, step.application, 'app', 'shop', step.startMillis)
            model.set(step.pid, { application: step.application, startMillis: step.startMillis })
          } else if (step.op === 'take') {
            const expected = model.get(step.pid)
            model.delete(step.pid)
            expect(table.take(step.pid)).toBe(expected !== undefined)
            if (expected) expect({ application: table.application, startMillis: table.startMillis }).toEqual(expected)
          } else if (step.op === 'remove') {
            table.remove(step.pid)
            model.delete(step.pid)
          } else {
            table.clear()
            model.clear()
          }
          expect(table.size).toBe(model.size)
        }
        for (const [pid, session] of model) {
          expect(table.take(pid)).toBe(true)
          expect(table.application).toBe(session.application)
        }
        expect(table.size).toBe(0)
      }),
      { numRuns: 100 },
    )
  })

  it('keeps tens of thousands of sessions open at once, and each one its own', () => {
    const table = new OpenSessions()
    for (let pid = 1; pid <= 50_000; pid++) table.open(pid * 7, `app-${pid}`, 'u', 'd', pid)
    expect(table.size).toBe(50_000)
    const wrong: number[] = []
    for (let pid = 50_000; pid >= 1; pid--) {
      if (!table.take(pid * 7) || table.application !== `app-${pid}` || table.startMillis !== pid) wrong.push(pid)
    }
    expect(wrong).toEqual([])
    expect(table.size).toBe(0)
  })

  it('stays bounded by what is open when millions of sessions come and go', () => {
    const table = new OpenSessions()
    for (let pid = 1; pid <= 2_000_000; pid++) {
      table.open(pid, 'api', 'u', 'd', null)
      if (pid > 100) table.take(pid - 100)
    }
    expect(table.size).toBe(100)
    expect(table.capacity).toBeLessThanOrEqual(1024)
  })

  it('has no session for what cannot be a process id', () => {
    const table = new OpenSessions()
    for (const notAPid of [-1, 2 ** 31, 1.5, Number.NaN, 99_999_999_999]) {
      table.open(notAPid, 'api', 'u', 'd', null)
      expect(table.take(notAPid)).toBe(false)
    }
    expect(table.size).toBe(0)
  })
})
