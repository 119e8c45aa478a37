// The demo's application: a healthy pool, a forgotten transaction that blocks
// another session, and a LISTEN connection, so a newcomer sees what pgleak
// reports and what it leaves alone.
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

  // Healthy: a pool of five that serves a burst of requests every second and keeps its connections.
  const storefront: Pool = new pg.Pool({ connectionString, application_name: 'storefront', max: 5 })
  storefront.on('error', () => {})
  const serve = (): Promise<unknown> => Promise.all(Array.from({ length: 5 }, () => storefront.query('SELECT pg_sleep(0.05)').catch(() => {})))
  await serve()
  const timer = setInterval(() => void serve(), 1000)

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
      clearInterval(timer)
      await Promise.all(clients.map((client) => client.end().catch(() => {})))
      await storefront.end().catch(() => {})
    },
  }
}
