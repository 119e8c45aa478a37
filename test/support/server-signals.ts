// Stops and continues a whole test server (the postmaster and every process it
// forked) with SIGSTOP and SIGCONT: what a hung host, a frozen VM or a network
// that stops forwarding looks like from pgleak's side.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The postmaster and every process it forked: the whole server, to stop and go on together. */
function serverProcesses(dataDir: string): number[] {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
  const children = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster
      } catch {
        return false
      }
    })
    .map(Number)
  return [postmaster, ...children]
}

export function signalServer(dataDir: string, signal: 'SIGSTOP' | 'SIGCONT'): void {
  for (const pid of serverProcesses(dataDir)) {
    try {
      process.kill(pid, signal)
    } catch {
      // gone meanwhile
    }
  }
}

