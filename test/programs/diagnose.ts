// Watches a real program with pgleak's own `watch` and measures how long
// after the program started each finding came: the figures behind the
// README's "how fast" table and `npm run bench`'s time-to-diagnosis rows.
import { appendFile } from 'node:fs/promises'
import { beforeAll } from 'vitest'
import { audit, watch } from '../../src/index.js'
import type { AuditReport } from '../../src/core/audit-report.js'
import type { Finding } from '../../src/core/finding.js'
import type { TrackedFinding } from '../../src/core/finding-tracker.js'
import type { TestDatabase } from '../support/test-database.js'
import { startProgram, type ProgramSpec } from './run-program.js'

export interface Diagnosis {
  /** Seconds from the program's start to each finding's first report, by `kind application`. */
  readonly firstSeconds: ReadonlyMap<string, number>
  /** Seconds from the program's start until the server had no usable slot left, if it filled. */
  readonly serverFullSeconds: number | undefined
  /** Every finding of the watch, with when it was first and last seen. */
  readonly findings: readonly TrackedFinding[]
  /** The most client connections each application held at one poll: proof the programs really ran. */
  readonly peakByApplication: ReadonlyMap<string, number>
  readonly output: string
}

export function findingLabel(finding: Pick<Finding, 'kind' | 'subject'>): string {
  return `${finding.kind} ${finding.subject.application ?? '-'}`
}

/** Runs the programs (connecting with `appUrl`) while `watch` polls `url` every `intervalMillis`, for `watchSeconds`. */
export async function watchPrograms(
  url: string,
  appUrl: string,
  python: string | undefined,
  specs: readonly ProgramSpec[],
  options: { readonly watchSeconds: number; readonly intervalMillis: number },
): Promise<Diagnosis> {
  let programs: ReturnType<typeof startProgram>[] = []
  let startedAt = 0
  const firstSeconds = new Map<string, number>()
  let serverFullSeconds: number | undefined
  const peakByApplication = new Map<string, number>()
  try {
    const result = await watch({
      dsn: url,
      intervalMillis: options.intervalMillis,
      durationMillis: options.watchSeconds * 1000,
      onEvent: (event) => {
        if (event.type === 'connected' && programs.length === 0) {
          programs = specs.map((spec) => startProgram(spec, appUrl, python))
          startedAt = Date.now()
        }
        if (event.type !== 'sample') return
        const seconds = Math.round((Date.now() - startedAt) / 100) / 10
        const counts = new Map<string, number>()
        for (const backend of event.snapshot.backends) if (backend.backendType === 'client backend') counts.set(backend.application, (counts.get(backend.application) ?? 0) + 1)
        for (const [application, count] of counts) peakByApplication.set(application, Math.max(count, peakByApplication.get(application) ?? 0))
        for (const finding of event.update.current) {
          if (!firstSeconds.has(findingLabel(finding))) firstSeconds.set(findingLabel(finding), seconds)
          if (serverFullSeconds === undefined && finding.kind === 'headroom' && finding.evidence.scope === 'server' && finding.evidence.isFull) serverFullSeconds = seconds
        }
      },
    })
    const output = (await Promise.all(programs.map((p) => p.stop()))).join('\n')
    return { firstSeconds, serverFullSeconds, findings: result.findings, peakByApplication, output }
  } finally {
    await Promise.all(programs.map((p) => p.stop()))
  }
}

/** Runs the program until `fillSeconds` have passed, then audits the server once, as a user arriving late would. */
export async function auditAfter(url: string, appUrl: string, python: string | undefined, spec: ProgramSpec, fillSeconds: number): Promise<{ report: AuditReport; output: string }> {
  const program = startProgram(spec, appUrl, python)
  try {
    await new Promise((resolve) => setTimeout(resolve, fillSeconds * 1000))
    const report = await audit({ dsn: url })
    return { report, output: await program.stop() }
  } finally {
    await program.stop()
  }
}

/** With PGLEAK_DIAGNOSIS_OUT set (by `npm run bench`), each measured case is appended there as a JSON line. */
export async function recordDiagnosis(row: {
  readonly program: string
  readonly variant: string
  readonly expected: string
  readonly seconds: number | null
  readonly serverFullSeconds: number | null
  readonly falseAlarms: readonly string[]
}): Promise<void> {
  const out = process.env.PGLEAK_DIAGNOSIS_OUT
  if (out) await appendFile(out, `${JSON.stringify(row)}\n`)
}

/** The programs connect as an ordinary role, as applications do: the reserved slots stay for pgleak and admins. */
export function useAppRole(db: () => TestDatabase): () => string {
  beforeAll(async () => {
    await db().admin(`DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app') THEN CREATE ROLE app LOGIN PASSWORD 'app-secret'; END IF; END $$`)
  })
  return () => db().url({ user: 'app', password: 'app-secret' })
}
