// The demo's application: a node-postgres pool whose error path forgets
// release(), a forgotten transaction that blocks another session, and what
// pgleak must leave alone: a healthy pool that bursts and comes back down,
// and a LISTEN connection.
import type { Pool, Client } from 'pg'

export interface DemoWorkload {
  stop(): Promise<void>
}

export async function startDemoWorkload(connectionString: string): Promise<DemoWorkload> {
  const { default: pg } = await import('pg')
  const clients: Client[] = []
  const connect = async (application: string): Promise<Client> => {
    const client = new pg.Client({ connectionString, application_name: application })
    client.on('error', () => {})
    await client.connect()
    clients.push(client)
    return client
  }

  const setup = await connect('pgleak-demo-setup')
  await setup.query('CREATE TABLE IF NOT EXISTS pgleak_demo_orders (id int PRIMARY KEY, status text)')
  await setup.query(`INSERT INTO pgleak_demo_orders VALUES (1, 'new') ON CONFLICT DO NOTHING`)
  await setup.end()
  clients.pop()

  // Healthy: a pool that serves two requests a second, bursts to ten every ten seconds, and lets the
  // extra connections go when the burst is over.
  const storefront: Pool = new pg.Pool({ connectionString, application_name: 'storefront', max: 10, idleTimeoutMillis: 2000 })
  storefront.on('error', () => {})
  const serve = (requests: number): Promise<unknown> =>
    Promise.all(Array.from({ length: requests }, () => storefront.query('SELECT pg_sleep(0.2)').catch(() => {})))
  let tick = 0
  const timers = [
    setInterval(() => void serve(++tick % 10 === 0 ? 10 : 2), 1000),
  ]

  // The leak: a request handler whose error path forgets client.release(). Every leaked client stays
  // checked out, idle, for ever, and the pool opens a new connection for the next request.
  const orders: Pool = new pg.Pool({ connectionString, application_name: 'order-service', max: 60, connectionTimeoutMillis: 1000 })
  orders.on('error', () => {})
  const handleOrder = async (): Promise<void> => {
    const client = await orders.connect()
    // Leaked clients still get the server's goodbye when the demo stops; without a listener it would crash the process.
    client.on('error', () => {})
    try {
      await client.query('SELECT * FROM pgleak_demo_missing_table')
      client.release()
    } catch {
      // The bug: no client.release() here.
    }
  }
  timers.push(setInterval(() => void handleOrder().catch(() => {}), 2000))

  // The leak: a worker begins a transaction, updates a row, then waits on something else for ever.
  const billing = await connect('billing-worker')
  await billing.query('BEGIN')
  await billing.query(`UPDATE pgleak_demo_orders SET status = 'charging' WHERE id = 1`)

  // Its victim: a report that needs the same row, stuck behind the worker's lock.
  const report = await connect('nightly-report')
  report.query(`UPDATE pgleak_demo_orders SET status = 'reported' WHERE id = 1`).catch(() => {})

  // Not a leak: a connection held open on purpose to receive notifications.
  const notifier = await connect('notifier')
  await notifier.query('LISTEN order_events')

  return {
    async stop() {
      for (const timer of timers) clearInterval(timer)
      await Promise.all(clients.map((client) => client.end().catch(() => {})))
      // The leaked clients were never released, so end() would wait for them: end their sessions instead.
      await Promise.all([storefront.end().catch(() => {}), Promise.race([orders.end().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 500))])])
    },
  }
}
