// The contract's JSON document. Fields are only ever added, never renamed.
import type { AuditReport, ServerInfo } from '../core/audit-report.js'
import type { Finding } from '../core/finding.js'
import type { ReportWarning } from '../core/report-warning.js'
import { PGLEAK_VERSION } from '../version.js'

export const JSON_SCHEMA_VERSION = 1

export interface JsonWindow {
  readonly from: string
  readonly to: string
  readonly samples: number
}

export interface JsonDocument {
  readonly tool: 'pgleak'
  readonly version: string
  readonly schema: number
  readonly generatedAt: string
  readonly server: ServerInfo | null
  readonly window: JsonWindow
  readonly findings: readonly Finding[]
  readonly warnings: readonly ReportWarning[]
  readonly [extra: string]: unknown
}

export function toJsonDocument(parts: {
  server: ServerInfo | null
  window: JsonWindow
  findings: readonly Finding[]
  warnings?: readonly ReportWarning[]
  generatedAt?: Date
  extra?: Readonly<Record<string, unknown>>
}): JsonDocument {
  return {
    tool: 'pgleak',
    version: PGLEAK_VERSION,
    schema: JSON_SCHEMA_VERSION,
    generatedAt: (parts.generatedAt ?? new Date()).toISOString(),
    server: parts.server,
    window: parts.window,
    findings: parts.findings,
    warnings: parts.warnings ?? [],
    ...parts.extra,
  }
}

export function auditJsonDocument(report: AuditReport, generatedAt?: Date): JsonDocument {
  const at = new Date(report.sampledAtMillis).toISOString()
  return toJsonDocument({
    server: report.server,
    window: { from: at, to: at, samples: 1 },
    findings: report.findings,
    warnings: report.warnings,
    ...(generatedAt ? { generatedAt } : {}),
    extra: { connections: report.connections, ...(report.poolers ? { poolers: report.poolers } : {}) },
  })
}
