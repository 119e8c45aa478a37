// pgleak's log analysis, as `pgleak analyze FILE` runs it, timed from inside one process.
import { analyzePoolLogs } from '../../dist/analyze-logs.js'

const started = process.hrtime.bigint()
const analysis = await analyzePoolLogs([process.argv[2]])
const seconds = Number(process.hrtime.bigint() - started) / 1e9
console.log(
  JSON.stringify({
    seconds,
    lines: analysis.files[0].lines,
    events: analysis.files[0].events,
    findings: analysis.findings.map((f) => f.kind),
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  }),
)
