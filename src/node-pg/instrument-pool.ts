// `import { instrumentPool } from 'pgleak/node-pg'`: attaches to a pg.Pool and
// writes pgleak's JSON-lines events (connect, checkout, checkin, close,
// timeout) with a stable client id, the backend pid, the pool's counters and
// the code that checked the client out. Cheap enough to leave on in tests:
// one synchronous line per event and a short stack at checkout.
import type { EventEmitter } from 'node:events'
import { closeSync, openSync, writeSync } from 'node:fs'

/** The slice of pg.Pool this needs (node-postgres itself is not a dependency of it). */
export interface InstrumentablePool {
  // Loose on purpose: pg.Pool's own typing of on() is generic over the event name.
  on(event: 'connect' | 'release' | 'remove', listener: (...args: never[]) => void): unknown
  connect(...args: unknown[]): unknown
  readonly totalCount: number
  readonly idleCount: number
  readonly waitingCount: number
  readonly options?: { readonly max?: number }
}

export interface InstrumentableClient {
  readonly processID?: number | null
}

export interface InstrumentPoolOptions {
  /** Where the events go: a file path (appended to), or a function that takes each line. */
  readonly output: string | ((line: string) => void)
  /** The pool's name in the events. (Default: `pool-<n>`.) */
  readonly name?: string
  /** Record the checking-out code. (Default: true.) */
  readonly captureStacks?: boolean
  /** Frames kept per stack. (Default: 6.) */
  readonly stackFrames?: number
}

let poolCounter = 0

/** Frames of the application, not of pg-pool, pgleak or Node's internals. */
function applicationFrames(stack: string | undefined, limit: number): string[] {
  if (!stack) return []
  return stack
    .split('\n')
    .slice(1)
    .map((frame) => frame.trim())
    .filter((frame) => frame.startsWith('at ') && !/node:internal|[\\/]node_modules[\\/]pg(-pool)?[\\/]|instrument-pool\.[jt]s/.test(frame))
    .slice(0, limit)
}

/** Starts writing events; returns a function that stops (and closes the file it opened). */
export function instrumentPool(pool: InstrumentablePool, options: InstrumentPoolOptions): () => void {
  const name = options.name ?? `pool-${++poolCounter}`
  const captureStacks = options.captureStacks ?? true
  const stackFrames = options.stackFrames ?? 6
  const fd = typeof options.output === 'string' ? openSync(options.output, 'a') : undefined
  const write = typeof options.output === 'function' ? options.output : (line: string): void => void writeSync(fd!, `${line}\n`)
  const ids = new WeakMap<InstrumentableClient, number>()
  let nextId = 0
  const idOf = (client: InstrumentableClient): number => {
    let id = ids.get(client)
    if (id === undefined) {
      id = ++nextId
      ids.set(client, id)
    }
    return id
  }
  const emit = (event: string, client: InstrumentableClient | undefined, extra: Record<string, unknown> = {}): void => {
    write(
      JSON.stringify({
        time: new Date().toISOString(),
        event,
        library: 'node-postgres',
        pool: name,
        ...(client ? { connection: idOf(client), pid: client.processID ?? undefined } : {}),
        process: process.pid,
        total: pool.totalCount,
        idle: pool.idleCount,
        waiting: pool.waitingCount,
        ...(pool.options?.max !== undefined ? { size: pool.options.max } : {}),
        ...extra,
      }),
    )
  }
  const onTimeout = (error: unknown): void => {
    if (error instanceof Error && /timeout/i.test(error.message)) emit('pool-timeout', undefined, { message: error.message })
  }
  // The checkout is written when pool.connect() (which pool.query() calls too) hands the client over, with
  // the stack of that call: pg-pool's own acquire event fires inside it, often after an await, where the
  // caller's frames are gone and which caller gets which client is not known.
  const originalConnect = pool.connect
  const connect = function (this: InstrumentablePool, ...args: unknown[]): unknown {
    let stack: string[] = []
    if (captureStacks) {
      const holder: { stack?: string } = {}
      Error.captureStackTrace(holder, connect)
      stack = applicationFrames(holder.stack, stackFrames)
    }
    const checkedOut = (client: InstrumentableClient): void => emit('checkout', client, stack.length > 0 ? { stack } : {})
    const callback = args[0]
    if (typeof callback === 'function') {
      return originalConnect.call(this, (error: unknown, client: InstrumentableClient, ...rest: unknown[]) => {
        if (error) onTimeout(error)
        else checkedOut(client)
        return (callback as (...a: unknown[]) => unknown)(error, client, ...rest)
      })
    }
    const result = originalConnect.apply(this, args)
    if (result instanceof Promise) result.then(checkedOut, onTimeout)
    return result
  }
  Object.defineProperty(pool, 'connect', { value: connect, configurable: true, writable: true })

  const onConnect = (client: InstrumentableClient): void => emit('connect', client)
  const onRelease = (_error: unknown, client: InstrumentableClient): void => emit('checkin', client)
  const onRemove = (client: InstrumentableClient): void => emit('close', client)
  pool.on('connect', onConnect as (...args: never[]) => void)
  pool.on('release', onRelease as (...args: never[]) => void)
  pool.on('remove', onRemove as (...args: never[]) => void)

  return () => {
    Object.defineProperty(pool, 'connect', { value: originalConnect, configurable: true, writable: true })
    // pg.Pool is an EventEmitter; the interface leaves removeListener out because its typing varies.
    const emitter = pool as unknown as Partial<Pick<EventEmitter, 'removeListener'>>
    emitter.removeListener?.('connect', onConnect)
    emitter.removeListener?.('release', onRelease)
    emitter.removeListener?.('remove', onRemove)
    if (fd !== undefined) closeSync(fd)
  }
}
