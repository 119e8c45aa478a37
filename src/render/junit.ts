// JUnit XML for CI dashboards: one test case per check, so a dashboard shows
// which one failed, with the findings as the failure's text.
import type { CheckResult } from '../check.js'
import { checkOutcomes } from '../core/check-outcomes.js'
import type { Severity } from '../core/finding.js'
import { formatEvidence } from './format-evidence.js'
import { commandLine } from './check-text.js'
import { escapeXml } from './xml-escape.js'

export function renderJunit(result: CheckResult, failOn: Severity): string {
  const outcomes = checkOutcomes(result.findings, failOn, result.inputs)
  const seconds = ((result.window.toMillis - result.window.fromMillis) / 1000).toFixed(3)
  const cases = outcomes.map((outcome) => {
    const head = `    <testcase classname="pgleak.check" name="${escapeXml(outcome.name)}" time="0">`
    if (outcome.status === 'passed') return `${head}</testcase>`
    if (outcome.status === 'skipped') return `${head}\n      <skipped message="${escapeXml(outcome.reason)}"/>\n    </testcase>`
    const body = outcome.findings.map((f) => `[${f.severity}] ${f.title}\n${formatEvidence(f)}\n${f.advice}`).join('\n\n')
    const message = outcome.findings.map((f) => f.title).join('; ')
    return `${head}\n      <failure message="${escapeXml(message)}" type="${escapeXml(outcome.name)}">${escapeXml(body)}</failure>\n    </testcase>`
  })
  if (result.command) {
    const ok = result.command.status === 0
    const head = `    <testcase classname="pgleak.check" name="command" time="${result.command.durationSeconds.toFixed(3)}">`
    cases.push(ok ? `${head}</testcase>` : `${head}\n      <failure message="${escapeXml(commandLine(result))}" type="command"/>\n    </testcase>`)
  }
  const failures = outcomes.filter((o) => o.status === 'failed').length + (result.command && result.command.status !== 0 ? 1 : 0)
  const skipped = outcomes.filter((o) => o.status === 'skipped').length
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="pgleak" tests="${cases.length}" failures="${failures}" skipped="${skipped}" time="${seconds}">`,
    `  <testsuite name="pgleak check" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${seconds}" timestamp="${new Date(result.window.fromMillis).toISOString()}">`,
    `    <properties><property name="server" value="${escapeXml(result.server.target)}"/><property name="scope" value="${escapeXml(result.scope)}"/></properties>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n')
}
