// The rules file and the dashboard that ship with pgleak: valid for
// Prometheus' own tool, their alerts right on the series pgleak exposes
// (promtool's unit tests beside the rules), and naming only series that
// pgleak serve really exposes.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { processRegistry, TARGET_SERIES_NAMES } from '../../src/render/prometheus-exposition.js'
import { NO_PROMTOOL, promtool, promtoolBinary } from '../support/prometheus.js'

const folder = fileURLToPath(new URL('../../prometheus/', import.meta.url))
const rules = readFileSync(`${folder}pgleak-rules.yml`, 'utf8')
const dashboard = JSON.parse(readFileSync(`${folder}grafana-dashboard.json`, 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> }

/** Series names pgleak serve exposes: the per-target ones and its own process's. */
async function exposedNames(): Promise<Set<string>> {
  const processNames = (await processRegistry().getMetricsAsJSON()).map((metric) => metric.name)
  // A counter's series carry the name given; histograms and summaries add suffixes.
  return new Set([...TARGET_SERIES_NAMES, ...processNames, ...processNames.flatMap((name) => [`${name}_bucket`, `${name}_sum`, `${name}_count`])])
}

function seriesNamesIn(text: string): string[] {
  return [...new Set(text.match(/\bpgleak_[a-z_]+/g) ?? [])]
}

describe('the shipped rules and dashboard', () => {
  it.skipIf(!promtoolBinary)(`pass promtool check rules ${promtoolBinary ? '' : NO_PROMTOOL}`, () => {
    const result = promtool(['check', 'rules', 'pgleak-rules.yml'], folder)
    expect(result.output).toContain('SUCCESS: 6 rules found')
    expect(result.status).toBe(0)
  })

  it.skipIf(!promtoolBinary)(`raise the alerts they should, with pgleak's title and advice, and no others (promtool test rules) ${promtoolBinary ? '' : NO_PROMTOOL}`, () => {
    const result = promtool(['test', 'rules', 'pgleak-rules.test.yml'], folder)
    expect(result.output).toContain('SUCCESS')
    expect(result.status).toBe(0)
  })

  it('name only series that pgleak serve exposes', async () => {
    const exposed = await exposedNames()
    const used = [...seriesNamesIn(rules), ...dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => seriesNamesIn(target.expr)))]
    expect(used.length).toBeGreaterThan(10)
    expect(used.filter((name) => !exposed.has(name))).toEqual([])
  })

  it('the dashboard has a panel for each thing the issue names: connections against slots, idle transactions, churn, time to exhaustion, findings', () => {
    const titles = dashboard.panels.map((panel) => panel.title).join('\n')
    for (const words of ['usable slots', 'idle in transaction', 'Churn', 'Time to exhaustion', 'Findings now']) expect(titles).toContain(words)
  })
})
