// A check's verdict as a list of named checks, each passed or failed: what
// JUnit test cases, annotations and summaries are made of.
import { isAtLeast, type Finding, type Severity } from './finding.js'

export interface CheckOutcome {
  /** A stable name: one JUnit test case each. */
  readonly name: string
  readonly description: string
  readonly isPassed: boolean
  /** The findings behind it, failing or not. */
  readonly findings: readonly Finding[]
}

interface CheckDefinition {
  readonly name: string
  readonly description: string
  readonly covers: (finding: Finding) => boolean
}

const CHECKS: readonly CheckDefinition[] = [
  { name: 'leftover-connections', description: 'no connection opened during the run is left open after it', covers: (f) => f.kind === 'leftover-connections' },
  { name: 'connection-growth', description: 'no group piles up connections it never closes', covers: (f) => f.kind === 'connection-growth' },
  { name: 'abandoned-connections', description: 'no idle connection is abandoned while new ones are opened', covers: (f) => f.kind === 'abandoned-connections' },
  { name: 'max-connections', description: 'the run stays within its connection budget (--max-connections)', covers: (f) => f.kind === 'headroom' && f.evidence.scope === 'budget' },
  { name: 'headroom', description: 'connections stay clear of the usable slots and connection limits', covers: (f) => f.kind === 'headroom' && f.evidence.scope !== 'budget' },
  { name: 'idle-in-transaction', description: 'no session idles in a transaction past the threshold', covers: (f) => f.kind === 'idle-in-transaction' },
  { name: 'churn', description: 'connections are pooled, not opened per request', covers: (f) => f.kind === 'churn' },
  { name: 'pool-imbalance', description: 'every checkout is checked back in (with --pool-log)', covers: (f) => f.kind === 'pool-imbalance' },
  { name: 'pool-exhaustion', description: 'no pool timeout or "too many clients" (with --pool-log)', covers: (f) => f.kind === 'pool-exhaustion' },
  { name: 'multiple-pools', description: 'no more pools than the application should have (with --pool-log)', covers: (f) => f.kind === 'multiple-pools' },
  { name: 'config', description: 'server settings bound leaks', covers: (f) => f.kind === 'config' },
]

export function checkOutcomes(findings: readonly Finding[], failOn: Severity): CheckOutcome[] {
  return CHECKS.map((check) => {
    const covered = findings.filter(check.covers)
    return { name: check.name, description: check.description, isPassed: !covered.some((f) => isAtLeast(f.severity, failOn)), findings: covered }
  })
}
