// Thresholds and options from a file: `pgleak.config.json`, or the `pgleak`
// key of package.json, or --config FILE. Keys are the options' camelCase
// names (`maxIdleInTransaction`), values written as on the command line
// ("60s", "80%", 20); flags given on the command line win. An unknown key
// or a bad value is a usage error naming the key.
import { existsSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { InvalidArgumentError, type Command, type Option } from 'commander'
import { PgleakError } from '../errors.js'

export interface LoadedConfig {
  /** Where it came from, relative to the working directory: for messages and annotations. */
  readonly path: string
  readonly values: Readonly<Record<string, unknown>>
}

/** Keys that never come from a file: where to connect (and its password) and the file itself. */
const NOT_FROM_FILE = new Set(['dsn', 'config', 'help'])

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new PgleakError('FILE_UNREADABLE', `cannot read the config file ${path}: ${(error as Error).message}`, { cause: error })
  }
}

function asObject(value: unknown, path: string, key?: string): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>
  throw new PgleakError('USAGE', `${path}${key ? ` (key "${key}")` : ''} must hold a JSON object of options`)
}

export function loadConfig(cwd: string, explicitPath: string | undefined): LoadedConfig | undefined {
  if (explicitPath !== undefined) return { path: explicitPath, values: asObject(readJson(explicitPath), explicitPath) }
  const own = join(cwd, 'pgleak.config.json')
  if (existsSync(own)) return { path: relative(cwd, own), values: asObject(readJson(own), own) }
  const packageJson = join(cwd, 'package.json')
  if (existsSync(packageJson)) {
    const pkg = asObject(readJson(packageJson), packageJson)
    if (pkg.pgleak !== undefined) return { path: 'package.json', values: asObject(pkg.pgleak, 'package.json', 'pgleak') }
  }
  return undefined
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    previous = current
  }
  return previous[b.length]!
}

/** The known name a mistyped key most likely meant: a few edits away, or differing only in case. */
function closest(key: string, names: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(key.length / 4)) + 1
  for (const name of names) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase())
    if (distance < bestDistance) {
      best = name
      bestDistance = distance
    }
  }
  return best
}

function parseValue(option: Option, key: string, value: unknown, path: string): unknown {
  const fail = (message: string): never => {
    throw new PgleakError('USAGE', `${path}: "${key}": ${message}`)
  }
  if (option.isBoolean()) return typeof value === 'boolean' ? value : fail('must be true or false')
  if (!option.parseArg) return typeof value === 'string' ? value : fail('must be a string')
  const parse = option.parseArg
  try {
    if (option.variadic || Array.isArray(value)) {
      const items = Array.isArray(value) ? value : [value]
      return items.reduce<unknown>((previous, item) => parse(String(item), previous), undefined)
    }
    if (typeof value !== 'string' && typeof value !== 'number') return fail('must be a string or a number')
    return parse(String(value), undefined)
  } catch (error) {
    if (error instanceof InvalidArgumentError) return fail(error.message)
    throw error
  }
}

/** Sets the command's options from the config where the command line did not. */
export function applyConfig(command: Command, config: LoadedConfig): void {
  const options = command.options.filter((option) => !NOT_FROM_FILE.has(option.attributeName()))
  const names = options.map((option) => option.attributeName())
  for (const [key, value] of Object.entries(config.values)) {
    const option = options.find((candidate) => candidate.attributeName() === key)
    if (!option) {
      const suggestion = closest(key, names)
      throw new PgleakError('USAGE', `${config.path}: unknown key "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`, {
        hint: `pgleak ${command.name()} takes: ${names.join(', ')}.`,
      })
    }
    if (command.getOptionValueSource(key) === 'cli') continue
    command.setOptionValueWithSource(key, parseValue(option, key, value, config.path), 'config')
  }
}
