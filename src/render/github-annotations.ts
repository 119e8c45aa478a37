// GitHub Actions workflow commands: `::error title=...::message` lines that
// the runner turns into annotations on the job.
import type { Finding, Severity } from '../core/finding.js'
import { isAtLeast } from '../core/finding.js'
import { formatEvidence } from './format-evidence.js'

/** Escaping the runner expects in a command's message. */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

/** Escaping in a property value, which also may not hold ':' or ','. */
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')
}

export interface AnnotationLocation {
  readonly file: string
  readonly line?: number
}

export function renderGithubAnnotation(finding: Finding, failOn: Severity, location?: AnnotationLocation): string {
  const level = isAtLeast(finding.severity, failOn) ? 'error' : finding.severity === 'info' ? 'notice' : 'warning'
  const properties = [
    ...(location ? [`file=${escapeProperty(location.file)}`, ...(location.line !== undefined ? [`line=${location.line}`] : [])] : []),
    `title=${escapeProperty(`pgleak ${finding.kind}: ${finding.title}`)}`,
  ]
  return `::${level} ${properties.join(',')}::${escapeData(`${formatEvidence(finding)}\n${finding.advice}`)}`
}
