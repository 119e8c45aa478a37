// What `pgleak serve` does, loaded only when it runs: commands/ holds the flags.
import { thresholdsFor, type Thresholds } from '../../core/thresholds.js'
import { isPgleakError, PgleakError } from '../../errors.js'
import { serveFindingsDocument } from '../../render/serve-findings.js'
import { serve } from '../../serve.js'
import { parseListenAddress } from '../../serve/http-endpoints.js'
import { targetsFromDsns, targetsFromFile, type ServeTarget } from '../../serve/serve-targets.js'
import type { ServeFlags } from '../commands/serve.js'
import { writeJson } from '../output.js'

function note(message: string): void {
  process.stderr.write(`pgleak serve: ${message}\n`)
}

export async function runServe(flags: ServeFlags, given: Partial<Thresholds>): Promise<number> {
  if (flags.targets !== undefined && flags.dsn !== undefined) throw new PgleakError('USAGE', '--dsn and --targets name the targets twice', { hint: 'Use one: --dsn (repeatable) or a targets file.' })
  const readTargets = (): ServeTarget[] => (flags.targets !== undefined ? targetsFromFile(flags.targets, process.env) : targetsFromDsns(flags.dsn ?? [], process.env))
  const handle = await serve({
    targets: readTargets(),
    listen: parseListenAddress(flags.listen),
    intervalMillis: flags.interval * 1000,
    connectTimeoutMillis: flags.connectTimeout * 1000,
    groupBy: flags.groupBy,
    ignore: flags.ignore,
    redact: flags.redact,
    thresholds: thresholdsFor('watch', given),
    onNotice: (target, message) => note(`${target}: ${message}`),
  })
  const names = handle.watches().map((w) => w.target.name)
  note(`watching ${names.length} target${names.length === 1 ? '' : 's'} (${names.join(', ')}); metrics at http://${handle.address.host.includes(':') ? `[${handle.address.host}]` : handle.address.host}:${handle.address.port}/metrics`)

  const onHangUp = (): void => {
    if (flags.targets === undefined) return note('SIGHUP: no targets file to read again (targets came from --dsn)')
    let targets: ServeTarget[]
    try {
      targets = readTargets()
    } catch (error) {
      // A bad edit must not take down what runs: the old targets go on.
      return note(`SIGHUP: kept the running targets: ${isPgleakError(error) ? error.message : String(error)}`)
    }
    void handle.reload(targets).then(() => note(`SIGHUP: now watching ${targets.map((t) => t.name).join(', ')}`))
  }
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'))
    process.once('SIGTERM', () => resolve('SIGTERM'))
  })
  process.on('SIGHUP', onHangUp)
  const signal = await stopped
  process.off('SIGHUP', onHangUp)
  note(`${signal}: stopping`)
  const document = serveFindingsDocument(handle.watches())
  await handle.close()
  if (flags.json) writeJson(document)
  return 0
}
