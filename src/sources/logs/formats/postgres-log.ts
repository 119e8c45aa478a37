// PostgreSQL's own log with log_connections and log_disconnections on, in
// its three shapes: stderr text (whatever log_line_prefix is), csvlog and
// jsonlog. Each reader finds a line's severity and message as cheaply as it
// can, and looks no further unless the message is one that
// `classifyServerMessage` says matters: a busy server writes gigabytes of
// lines about other things.
import { textOf } from '../line-bytes.js'
import type { LogFormat } from '../log-format.js'
import { CsvLogParser } from './postgres-csvlog.js'
import { JSON_SEVERITY, JsonLogParser } from './postgres-jsonlog.js'
import { SeverityFinder, StderrLogParser } from './postgres-stderr.js'

/** The share of non-blank lines that pass `test`, 0 when none do. */
function shareOf(lines: readonly string[], test: (line: string) => boolean): number {
  let candidates = 0
  let hits = 0
  for (const line of lines) {
    if (line.trim() === '' || line.charCodeAt(0) === 9) continue
    candidates++
    if (test(line)) hits++
  }
  return candidates === 0 ? 0 : hits / candidates
}

const SESSION_MESSAGES = /connection authorized: |disconnection: session time: |too many clients already/

/** Sure of a server log when most lines read as one, surer when it logs sessions. */
function confidence(share: number, lines: readonly string[]): number {
  if (share < 0.5) return share * 0.5
  return lines.some((line) => SESSION_MESSAGES.test(line)) ? 0.6 + 0.35 * share : 0.4 + 0.3 * share
}

const PREFIX_TIME_OR_PID = /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}|\[\d+\]/
const CSV_RECORD_START = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? [^,]*,/
const CSV_SEVERITY = /,(?:LOG|FATAL|PANIC|ERROR|WARNING|NOTICE|INFO|DEBUG[1-5]?),[0-9A-Z]{5},"/

export const postgresLog: LogFormat = {
  name: 'postgres',
  description: 'PostgreSQL server log (stderr, any log_line_prefix) with log_connections / log_disconnections: sessions per application, "too many clients"',
  sniff(firstLines) {
    const mark = new SeverityFinder()
    const share = shareOf(firstLines, (line) => {
      const bytes = Buffer.from(line)
      return mark.find(bytes, 0, bytes.length) && PREFIX_TIME_OR_PID.test(textOf(bytes, 0, mark.wordStart))
    })
    return confidence(share, firstLines)
  },
  create: () => new StderrLogParser(),
  readsExhaustionTexts: true,
}

export const postgresCsvLog: LogFormat = {
  name: 'postgres-csv',
  description: 'PostgreSQL csvlog with log_connections / log_disconnections',
  sniff(firstLines) {
    // Continuation lines of multi-line records lower the share a little; that is all.
    return confidence(
      shareOf(firstLines, (line) => CSV_RECORD_START.test(line) && CSV_SEVERITY.test(line)),
      firstLines,
    )
  },
  create: () => new CsvLogParser(),
  readsExhaustionTexts: true,
}

export const postgresJsonLog: LogFormat = {
  name: 'postgres-json',
  description: 'PostgreSQL jsonlog (15+) with log_connections / log_disconnections',
  sniff(firstLines) {
    return confidence(
      shareOf(firstLines, (line) => line.startsWith('{"timestamp":"') && line.includes(JSON_SEVERITY)),
      firstLines,
    )
  },
  create: () => new JsonLogParser(),
  readsExhaustionTexts: true,
}
