// pgleak as a library: `import { audit } from 'pgleak'`. The CLI is a thin
// layer over these same functions.
export { audit, type AuditOptions } from './audit.js'
export { watch, type WatchEvent, type WatchOptions, type WatchResult } from './watch.js'
export { check, type CheckOptions, type CheckResult, type CommandReport } from './check.js'
export { analyzeRecording, type AnalyzeRecordingOptions, type RecordingAnalysis } from './analyze-recording.js'
export { analyzePoolLogs, type AnalyzeLogsOptions, type PoolLogAnalysis } from './analyze-logs.js'
export { serve, type ServeHandle, type ServeOptions } from './serve.js'
export { targetsFromDsns, targetsFromFile, type ServeTarget } from './serve/serve-targets.js'
export { isRecordingFile } from './sources/recording/read-recording.js'
export { LeakMonitor, type LeakMonitorOptions, type MonitorUpdate } from './core/leak-monitor.js'
export { FindingTracker, findingKey, type TrackedFinding } from './core/finding-tracker.js'
export { Timeline, type TimelineGap } from './core/timeline/timeline.js'
export { judgeRun, type RunLimits, type RunObservation } from './core/run-judgement.js'
export { checkOutcomes, type CheckOutcome } from './core/check-outcomes.js'
export type { SessionScope } from './core/session-scope.js'
export { buildAuditReport, type AuditReport, type ReportOptions, type ServerInfo } from './core/audit-report.js'
export type { Backend, BackendState } from './core/backend.js'
export type { ConnectionSummary, GroupSummary } from './core/connection-summary.js'
export {
  runSnapshotDetectors,
  runTimelineDetectors,
  SNAPSHOT_DETECTORS,
  TIMELINE_DETECTORS,
  type DetectorInput,
  type TimelineDetectorInput,
} from './core/detectors/index.js'
export { formatDuration, parseDurationSeconds } from './core/duration.js'
export { FINDING_KINDS, isAtLeast, SEVERITIES, sortFindings, type Finding, type FindingKind, type Severity, type Subject } from './core/finding.js'
export { GROUP_DIMENSIONS, type GroupDimension } from './core/grouping.js'
export { parseIgnoreRule, type IgnoreRule } from './core/ignore-rule.js'
export { redactQuery } from './core/redact-query.js'
export type { ReportWarning } from './core/report-warning.js'
export { usableSlots, type ServerSettings, type Snapshot } from './core/snapshot.js'
export { CHECK_THRESHOLDS, DEFAULT_THRESHOLDS, type Thresholds } from './core/thresholds.js'
export { exitCodeFor, isPgleakError, PgleakError, type PgleakErrorCode } from './errors.js'
export { auditJsonDocument, toJsonDocument, type JsonDocument } from './render/json-document.js'
export { resolveConnectionTarget, type ConnectionTarget } from './sources/pg/connection-target.js'
export { PgleakSession, type Queryable, type SessionOptions } from './sources/pg/pgleak-session.js'
export { readServerSettings, readSnapshot, SnapshotReader } from './sources/pg/read-snapshot.js'
