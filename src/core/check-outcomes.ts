// A check's verdict as a list of named checks, each passed, failed or skipped:
// what JUnit test cases, annotations and summaries are made of. A check with
// nothing to judge (no budget given, no pool log, no run) is skipped, never
// passed: a green tick must mean it was looked at.
import { isAtLeast, type Finding, type Severity } from './finding.js'

interface OutcomeBase {
  /** A stable name: one JUnit test case each. */
  readonly name: string
  readonly description: string
  /** The findings behind it, failing or not. */
  readonly findings: readonly Finding[]
}

export type CheckOutcome = OutcomeBase & ({ readonly status: 'passed' | 'failed' } | { readonly status: 'skipped'; readonly reason: string })

/** What the run gave the checks to judge. */
export interface CheckInputs {
  /** A command ran and was watched (without one, check looks at the database once). */
  readonly hasRun: boolean
  /** The database answered after the command, so what it left open could be seen. */
  readonly sawRunEnd: boolean
  /** --max-connections was given. */
  readonly hasConnectionBudget: boolean
  /** --pool-log was given. */
  readonly hasPoolLog: boolean
  /** --pgbouncer was given. */
  readonly hasPooler: boolean
}

/** Every input there: what a library caller that does not say gets. */
export const ALL_INPUTS: CheckInputs = { hasRun: true, sawRunEnd: true, hasConnectionBudget: true, hasPoolLog: true, hasPooler: true }

interface CheckDefinition {
  readonly name: string
  readonly description: string
  readonly covers: (finding: Finding) => boolean
  /** Why the check cannot be judged with these inputs, if it cannot. */
  readonly skippedBecause?: (inputs: CheckInputs) => string | undefined
}

const needsRun = (inputs: CheckInputs): string | undefined => (inputs.hasRun ? undefined : 'judged over a run: give check a command to wrap')
const needsPoolLog = (inputs: CheckInputs): string | undefined => (inputs.hasPoolLog ? undefined : 'no pool log: give --pool-log')

const CHECKS: readonly CheckDefinition[] = [
  {
    name: 'leftover-connections',
    description: 'no connection opened during the run is left open after it',
    covers: (f) => f.kind === 'leftover-connections',
    skippedBecause: (inputs) => needsRun(inputs) ?? (inputs.sawRunEnd ? undefined : 'the database did not answer after the command, so what it left open could not be seen'),
  },
  { name: 'connection-growth', description: 'no group piles up connections it never closes', covers: (f) => f.kind === 'connection-growth', skippedBecause: needsRun },
  { name: 'abandoned-connections', description: 'no idle connection is abandoned while new ones are opened', covers: (f) => f.kind === 'abandoned-connections' },
  {
    name: 'max-connections',
    description: 'the run stays within its connection budget (--max-connections)',
    covers: (f) => f.kind === 'headroom' && f.evidence.scope === 'budget',
    skippedBecause: (inputs) => needsRun(inputs) ?? (inputs.hasConnectionBudget ? undefined : 'no budget: give --max-connections'),
  },
  { name: 'headroom', description: 'connections stay clear of the usable slots and connection limits', covers: (f) => f.kind === 'headroom' && f.evidence.scope !== 'budget' },
  { name: 'idle-in-transaction', description: 'no session idles in a transaction past the threshold', covers: (f) => f.kind === 'idle-in-transaction' },
  { name: 'churn', description: 'connections are pooled, not opened per request', covers: (f) => f.kind === 'churn', skippedBecause: needsRun },
  { name: 'pool-imbalance', description: 'every checkout is checked back in (with --pool-log)', covers: (f) => f.kind === 'pool-imbalance', skippedBecause: needsPoolLog },
  {
    name: 'pool-exhaustion',
    description: 'no pool timeout or "too many clients" (with --pool-log, or PgBouncer with --pgbouncer)',
    covers: (f) => f.kind === 'pool-exhaustion',
    skippedBecause: (inputs) => (inputs.hasPoolLog || inputs.hasPooler ? undefined : 'no pool log or PgBouncer: give --pool-log or --pgbouncer'),
  },
  { name: 'multiple-pools', description: 'no more pools than the application should have (with --pool-log)', covers: (f) => f.kind === 'multiple-pools', skippedBecause: needsPoolLog },
  { name: 'config', description: 'server settings bound leaks', covers: (f) => f.kind === 'config' },
]

export function checkOutcomes(findings: readonly Finding[], failOn: Severity, inputs: CheckInputs = ALL_INPUTS): CheckOutcome[] {
  return CHECKS.map((check): CheckOutcome => {
    const covered = findings.filter(check.covers)
    const base = { name: check.name, description: check.description, findings: covered }
    // A finding is judged whatever the inputs said: one that came anyway was looked at.
    const reason = covered.length === 0 ? check.skippedBecause?.(inputs) : undefined
    if (reason !== undefined) return { ...base, status: 'skipped', reason }
    return { ...base, status: covered.some((f) => isAtLeast(f.severity, failOn)) ? 'failed' : 'passed' }
  })
}
