// Any other log: nothing is read but the pool-exhaustion texts, which the
// reader looks for on every line, so no line counts as unreadable.
import type { LogFormat } from '../log-format.js'

export const applicationLog: LogFormat = {
  name: 'application',
  description: 'any application log: pool timeouts and "too many clients" errors wherever they appear',
  sniff: () => 0.01,
  create: () => ({ parseLine: () => [] }),
}
