// The `pgleak/node-pg` entry: instrumentation for node-postgres pools.
export { instrumentPool, type InstrumentablePool, type InstrumentableClient, type InstrumentPoolOptions } from './instrument-pool.js'
