// One real server per test file, plus helpers that open real sessions and
// always close them: a test can't forget `end()`, and a session left open by
// one test fails the next one's afterEach instead of skewing its figures.
import pg from 'pg'
import { afterAll, afterEach, beforeAll, inject } from 'vitest'
import { EmbeddedServer, type EmbeddedMajor, type EmbeddedServerOptions } from '../../src/demo/embedded-server.js'

export interface SessionOptions {
  readonly application?: string
  readonly user?: string
  readonly password?: string
  readonly database?: string
}

export interface TestDatabase {
  /** The server, or undefined when the suite runs against PGLEAK_TEST_DATABASE_URL. */
  readonly server: EmbeddedServer | undefined
  readonly major: number
  url(options?: { user?: string; password?: string; database?: string }): string
  /** Runs SQL as the superuser on a short-lived connection. */
  admin<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<R[]>
  /** Opens a real session that the helper closes after the test. */
  openSession(options?: SessionOptions): Promise<pg.Client>
  /** Closes the sessions this test opened. */
  closeSessions(): Promise<void>
}

function withUser(base: string, options: { user?: string; password?: string; database?: string }): string {
  const url = new URL(base)
  if (options.user) url.username = encodeURIComponent(options.user)
  if (options.password) url.password = encodeURIComponent(options.password)
  if (options.database) url.pathname = `/${options.database}`
  return url.toString()
}

export function useTestDatabase(options: EmbeddedServerOptions = {}): () => TestDatabase {
  let server: EmbeddedServer | undefined
  let major: number = options.major ?? 18
  const sessions = new Set<pg.Client>()
  const externalUrl = process.env.PGLEAK_TEST_DATABASE_URL

  const database: TestDatabase = {
    get server() {
      return server
    },
    get major() {
      return major
    },
    url(urlOptions = {}) {
      if (server) return server.url(urlOptions)
      if (!externalUrl) throw new Error('test server not started')
      return withUser(externalUrl, urlOptions)
    },
    async admin<R extends pg.QueryResultRow>(sql: string, values?: unknown[]) {
      const client = new pg.Client({ connectionString: database.url(), application_name: 'pgleak-test-admin' })
      await client.connect()
      try {
        return (await client.query<R>(sql, values)).rows
      } finally {
        await client.end()
      }
    },
    async openSession(sessionOptions = {}) {
      const client = new pg.Client({
        connectionString: database.url(sessionOptions),
        application_name: sessionOptions.application ?? 'pgleak-test',
      })
      // A session the test kills on purpose must not crash the worker.
      client.on('error', () => {})
      await client.connect()
      sessions.add(client)
      return client
    },
    async closeSessions() {
      const open = [...sessions]
      sessions.clear()
      await Promise.all(open.map((client) => client.end().catch(() => {})))
    },
  }

  beforeAll(async () => {
    if (externalUrl) {
      const rows = await database.admin<{ major: number }>(`SELECT current_setting('server_version_num')::int / 10000 AS major`)
      major = rows[0]?.major ?? major
      return
    }
    const wanted: EmbeddedMajor = options.major ?? 18
    const template = inject('pgTemplates')[wanted]
    if (!template) throw new Error(`no PostgreSQL ${wanted} template was prepared`)
    server = await EmbeddedServer.start(template, options)
  })
  afterEach(async () => {
    await database.closeSessions()
  })
  afterAll(async () => {
    await database.closeSessions()
    await server?.destroy()
  })
  return () => database
}

/** The majors a version-sensitive test runs on: every bundled one, or the external server. */
export function versionsUnderTest(): readonly EmbeddedMajor[] {
  return process.env.PGLEAK_TEST_DATABASE_URL ? [18] : [18, 14]
}
