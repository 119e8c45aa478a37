// `check`: the CI gate. With a command, it takes a baseline, runs the command
// while watching the sessions in scope, waits for connections to settle after
// it ends, and judges the run; without one, it judges the database as it is.
// The library entry point behind `pgleak check`.
import { audit } from './audit.js'
import { serverInfo, type ReportOptions, type ServerInfo } from './core/audit-report.js'
import { isClientBackend } from './core/backend.js'
import type { CheckInputs } from './core/check-outcomes.js'
import { countedClients } from './core/connection-summary.js'
import { connectionHolders, type ConnectionHolder } from './core/holders.js'
import type { Finding } from './core/finding.js'
import { findingKey, type TrackedFinding } from './core/finding-tracker.js'
import { redactSnapshot } from './core/redact-query.js'
import { judgeRun, type RunLimits } from './core/run-judgement.js'
import { describeScope, scopeMatcher, type SessionScope } from './core/session-scope.js'
import { sortFindings } from './core/finding.js'
import type { Snapshot } from './core/snapshot.js'
import { thresholdsFor } from './core/thresholds.js'
import type { TimelineGap } from './core/timeline/timeline.js'
import { sessionIdentity } from './core/timeline/session-identity.js'
import { PgleakError } from './errors.js'
import { exitStatusOf, WrappedCommand, type CommandExit, type GroupProcess } from './sources/command/wrapped-command.js'
import { maskArgv } from './core/mask-secrets.js'
import { resolveConnectionTarget } from './sources/pg/connection-target.js'
import { poolerTargetsOf } from './sources/pgbouncer/pooler-target.js'
import type { SessionOptions } from './sources/pg/pgleak-session.js'
import { pollIntervalMillis } from './sources/pg/poll-snapshots.js'
import { LiveLoop } from './live-loop.js'

export interface CheckOptions extends SessionOptions, Partial<ReportOptions> {
  readonly dsn?: string
  /** The command to wrap; without one, the database is judged as it is. */
  readonly command?: readonly string[]
  /** (Default: 500.) */
  readonly intervalMillis?: number
  /** How long to wait after the command for its connections to close. (Default: 5 000.) */
  readonly settleMillis?: number
  /** Which sessions are the run's. (Default: the DSN's database.) */
  readonly scope?: SessionScope
  readonly limits?: RunLimits
  /** Follow this pool log while the command runs, and judge it with the run. */
  readonly poolLogPath?: string
  readonly poolLogFormat?: string
  /** PgBouncer admin console URLs to look through while the command runs. */
  readonly pgbouncer?: readonly string[]
  /** How long to wait, after the command ended and --settle passed, for a database that does not answer. (Default: 30 000.) */
  readonly giveUpAfterSettleMillis?: number
  /** The command's stdout goes to stderr: for a document written on stdout, which must stay the only thing there. */
  readonly commandStdoutToStderr?: boolean
  /**
   * Stops the run: the command gets the signal named by the abort's reason (`'SIGINT'`), else SIGTERM;
   * once it has ended, check reports at the next poll answered within a second, without --settle.
   */
  readonly signal?: AbortSignal
  /** Called once the command runs, e.g. to forward signals to it. */
  readonly onCommandStart?: (command: WrappedCommand) => void
  readonly onNotice?: (message: string) => void
}

export interface CommandReport {
  readonly argv: readonly string[]
  readonly exitCode: number | null
  readonly signal: string | null
  /** What a shell would report: the exit code, or 128 + the signal number. */
  readonly status: number
  readonly durationSeconds: number
  /** Processes the command started and left running after it exited; pgleak ended them. */
  readonly leftoverProcesses: readonly GroupProcess[]
}

export interface CheckResult {
  readonly server: ServerInfo
  readonly findings: readonly TrackedFinding[]
  readonly window: { readonly fromMillis: number; readonly toMillis: number; readonly samples: number }
  readonly scope: string
  readonly command: CommandReport | null
  readonly peakConnections: number
  readonly gaps: readonly TimelineGap[]
  /** The database stayed down after the command ended: the run's end (connections left open) could not be seen. */
  readonly databaseLostAtEnd?: string
  /** What the checks had to judge: a check without its input is skipped, not passed. */
  readonly inputs: CheckInputs
  /** The run's client connections over time, oldest first (beyond 15 minutes, each minute's highest). */
  readonly connections: readonly { readonly atMillis: number; readonly count: number }[]
}

function asTracked(findings: readonly Finding[], atMillis: number): TrackedFinding[] {
  const at = new Date(atMillis).toISOString()
  return findings.map((finding) => ({ ...finding, firstSeenAt: at, lastSeenAt: at, isActive: true }) as TrackedFinding)
}

/** The run's own verdicts replace what the monitor said of the same subject while it ran. */
function mergeFindings(seenWhileRunning: readonly TrackedFinding[], ofTheRun: readonly TrackedFinding[]): TrackedFinding[] {
  const byKey = new Map(seenWhileRunning.map((finding) => [findingKey(finding), finding]))
  for (const finding of ofTheRun) byKey.set(findingKey(finding), finding)
  return sortFindings([...byKey.values()]) as TrackedFinding[]
}

/** After the command ends and --settle has passed, how long check waits for a database that does not answer. */
export const GIVE_UP_AFTER_SETTLE_MILLIS = 30_000

export async function check(options: CheckOptions = {}): Promise<CheckResult> {
  const env = options.env ?? process.env
  const thresholds = options.thresholds ?? thresholdsFor('check')
  if (!options.command || options.command.length === 0) {
    const report = await audit({ ...options, thresholds })
    return {
      server: report.server,
      findings: asTracked(report.findings, report.sampledAtMillis),
      window: { fromMillis: report.sampledAtMillis, toMillis: report.sampledAtMillis, samples: 1 },
      scope: 'every session',
      command: null,
      peakConnections: report.connections.clientConnections,
      gaps: [],
      connections: [{ atMillis: report.sampledAtMillis, count: report.connections.clientConnections }],
      inputs: { hasRun: false, sawRunEnd: false, hasConnectionBudget: false, hasPoolLog: false, hasPooler: (options.pgbouncer ?? []).length > 0 },
    }
  }

  const target = resolveConnectionTarget(options.dsn, env)
  const scope: SessionScope = options.scope ?? (target.database !== undefined ? { database: target.database } : {})
  const inScope = scopeMatcher(scope)
  const settleMillis = options.settleMillis ?? 5000
  const giveUpMillis = options.giveUpAfterSettleMillis ?? GIVE_UP_AFTER_SETTLE_MILLIS
  const controller = new AbortController()
  const groupBy = options.groupBy ?? ['app']
  const poolerTargets = poolerTargetsOf(options.pgbouncer, env)
  const loop = new LiveLoop({
    ...options,
    poolerTargets,
    intervalMillis: pollIntervalMillis(options.intervalMillis, 500),
    signal: controller.signal,
    groupBy,
    ignore: options.ignore ?? [],
    thresholds,
    // Only the run's sessions are judged, so only theirs need redacting.
    view: (raw) => {
      const inScopeOnly: Snapshot = { ...raw, backends: raw.backends.filter(inScope) }
      return options.redact ? redactSnapshot(inScopeOnly) : inScopeOnly
    },
  })

  let server: ServerInfo | undefined
  let command: WrappedCommand | undefined
  let commandStartedAt = 0
  let exit: CommandExit | undefined
  let exitedAtWallMillis: number | undefined
  let fromMillis: number | undefined
  let toMillis: number | undefined
  let baseline: Set<string> | undefined
  let final: Snapshot | undefined
  let peakConnections = 0
  let peakAtMillis = 0
  let peakHolders: readonly ConnectionHolder[] = []
  let sessionsAtStart: number | null = null
  let sessionsAtEnd: number | null = null

  let giveUpTimer: NodeJS.Timeout | undefined
  let sampledAfterExit = false
  /** Why the run's end could not be seen, when the database stayed down after the command. */
  let lostAtEnd: string | undefined
  /** Stopping on a signal: someone pressed Ctrl-C, so no settling and no waiting on a silent database. */
  let isStopping = false
  const STOPPING_WAIT_MILLIS = 1000
  const stopSoon = (): void => {
    setTimeout(() => controller.abort(), STOPPING_WAIT_MILLIS).unref()
  }
  const abort = (): void => {
    isStopping = true
    const reason: unknown = options.signal?.reason
    command?.signal(reason === 'SIGINT' || reason === 'SIGHUP' ? reason : 'SIGTERM')
    if (exit !== undefined) stopSoon()
  }
  options.signal?.addEventListener('abort', abort, { once: true })
  try {
    for await (const event of loop.run(target)) {
      if (event.type === 'connected') {
        server = serverInfo(event.settings, target.description)
        continue
      }
      if (event.type === 'disconnected') {
        options.onNotice?.(`lost the connection (${event.error.message}); reconnecting`)
        continue
      }
      if (event.type !== 'sample') continue

      const { raw, snapshot: scoped } = event
      // The first poll, taken before the command starts, is the baseline: its sessions are not the run's.
      if (!baseline) {
        baseline = new Set(scoped.backends.filter(isClientBackend).map(sessionIdentity))
        fromMillis = scoped.sampledAtMillis
        sessionsAtStart = raw.sessionsEstablished ?? null
        commandStartedAt = Date.now()
        command = await WrappedCommand.start(options.command, env, { stdoutToStderr: options.commandStdoutToStderr ?? false })
        options.onCommandStart?.(command)
        void command.exited.then((result) => {
          exit = result
          exitedAtWallMillis = Date.now()
          if (isStopping) {
            stopSoon()
            return
          }
          // A database that stays down after the command ended is not waited for past the settle and a deadline.
          giveUpTimer = setTimeout(() => {
            if (sampledAfterExit) return
            lostAtEnd = `the database did not answer for ${Math.round((settleMillis + giveUpMillis) / 1000)} s after the command ended`
            controller.abort()
          }, settleMillis + giveUpMillis)
          giveUpTimer.unref()
        })
      }
      final = scoped
      const clients = scoped.backends.filter(isClientBackend).length
      if (exit === undefined) {
        toMillis = scoped.sampledAtMillis
        sessionsAtEnd = raw.sessionsEstablished ?? null
        if (clients > peakConnections) {
          peakConnections = clients
          peakAtMillis = scoped.sampledAtMillis
          peakHolders = connectionHolders(countedClients(scoped.backends, options.ignore ?? []), groupBy, scoped.sampledAtMillis)
        }
        continue
      }
      sampledAfterExit = true
      // Settling: stop as soon as nothing the run opened is left, or when the time is up.
      const leftover = scoped.backends.some((b) => isClientBackend(b) && !baseline!.has(sessionIdentity(b)))
      if (!leftover || Date.now() - (exitedAtWallMillis ?? 0) >= (isStopping ? STOPPING_WAIT_MILLIS : settleMillis)) controller.abort()
    }
  } finally {
    options.signal?.removeEventListener('abort', abort)
    clearTimeout(giveUpTimer)
  }
  const monitor = loop.monitor
  if (!monitor || !server || !final || !baseline || fromMillis === undefined || toMillis === undefined || !command) {
    throw new PgleakError('CONNECTION_LOST', 'the check ended before it could take a baseline')
  }
  const finishedExit = exit ?? (await command.exited)
  // What the command left running is reported, then ended: a CI job must not keep it, nor hang on it.
  const leftoverProcesses = command.groupProcesses()
  await command.endGroup()
  const settleSeconds = Math.round(Math.max(0, Date.now() - (exitedAtWallMillis ?? Date.now())) / 100) / 10
  const runFindings = judgeRun(
    { timeline: monitor.timeline, settings: monitor.settings, thresholds, ignore: options.ignore ?? [] },
    {
      fromMillis,
      toMillis,
      settleSeconds,
      baseline,
      final,
      peakConnections,
      peakAtMillis,
      peakHolders,
      connectsDuringRun: sessionsAtStart !== null && sessionsAtEnd !== null ? sessionsAtEnd - sessionsAtStart : null,
    },
    options.limits ?? {},
  )
  loop.catchUpPoolLog()
  runFindings.push(...monitor.concludePools(Date.now()))
  // With the database gone at the end, the last snapshot is from while the command ran: what it left open is unknown.
  if (lostAtEnd !== undefined) runFindings.splice(0, runFindings.length, ...runFindings.filter((f) => f.kind !== 'leftover-connections'))
  const timeline = monitor.timeline
  return {
    server,
    findings: mergeFindings(monitor.findings(), asTracked(runFindings, final.sampledAtMillis)),
    window: { fromMillis, toMillis: final.sampledAtMillis, samples: timeline.samples },
    scope: describeScope(scope),
    command: {
      argv: maskArgv(command.argv, [...target.secrets, ...poolerTargets.flatMap((pooler) => pooler.secrets)]),
      exitCode: finishedExit.exitCode,
      signal: finishedExit.signal,
      status: exitStatusOf(finishedExit),
      durationSeconds: Math.round(((exitedAtWallMillis ?? Date.now()) - commandStartedAt) / 100) / 10,
      leftoverProcesses,
    },
    peakConnections,
    gaps: timeline.gaps,
    connections: timeline.serverSeries.points(fromMillis).map((point) => ({ atMillis: point.atMillis, count: point.max })),
    ...(lostAtEnd !== undefined ? { databaseLostAtEnd: lostAtEnd } : {}),
    inputs: {
      hasRun: true,
      sawRunEnd: lostAtEnd === undefined,
      hasConnectionBudget: options.limits?.maxConnections !== undefined,
      hasPoolLog: options.poolLogPath !== undefined,
      hasPooler: poolerTargets.length > 0,
    },
  }
}
