// A real Prometheus (Debian's `prometheus` package) for the tests of `pgleak
// serve`: scraping it every second and evaluating the shipped rules. Without
// the binary, the tests that need it are skipped, saying why.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../src/demo/embedded-server.js'

function findBinary(name: string, override: string | undefined): string | undefined {
  if (override) return override
  return ['/usr/bin', '/usr/local/bin', '/usr/sbin'].map((dir) => join(dir, name)).find((path) => existsSync(path))
}

export const prometheusBinary = findBinary('prometheus', process.env.PGLEAK_TEST_PROMETHEUS)
export const promtoolBinary = findBinary('promtool', process.env.PGLEAK_TEST_PROMTOOL)

export const NO_PROMETHEUS = 'skipped: prometheus not installed (apt-get install prometheus, or PGLEAK_TEST_PROMETHEUS=/path/to/prometheus)'
export const NO_PROMTOOL = 'skipped: promtool not installed (it comes with apt-get install prometheus, or PGLEAK_TEST_PROMTOOL=/path/to/promtool)'

export function promtool(args: readonly string[], cwd?: string): { status: number | null; output: string } {
  const result = spawnSync(promtoolBinary!, args, { encoding: 'utf8', ...(cwd ? { cwd } : {}) })
  return { status: result.status, output: `${result.stdout}${result.stderr}` }
}

export interface PrometheusAlert {
  readonly labels: Record<string, string>
  readonly annotations: Record<string, string>
  readonly state: 'pending' | 'firing' | 'inactive'
}

export class TestPrometheus {
  #log = ''

  private constructor(
    readonly url: string,
    readonly child: ChildProcess,
    readonly dir: string,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.#log += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (this.#log += chunk.toString()))
  }

  /** Prometheus scraping `scrapeAddress` (host:port) every second and evaluating `ruleFiles` every second. */
  static async start(scrapeAddress: string, ruleFiles: readonly string[]): Promise<TestPrometheus> {
    const dir = await mkdtemp(join(tmpdir(), 'pgleak-prometheus-'))
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      `rule_files: [${ruleFiles.map((file) => JSON.stringify(file)).join(', ')}]`,
      'scrape_configs:',
      '  - job_name: pgleak',
      '    static_configs:',
      `      - targets: [${JSON.stringify(scrapeAddress)}]`,
    ].join('\n')
    await writeFile(join(dir, 'prometheus.yml'), `${config}\n`)
    const port = await freePort()
    const child = spawn(
      prometheusBinary!,
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    const prometheus = new TestPrometheus(`http://127.0.0.1:${port}`, child, dir)
    const deadline = Date.now() + 20_000
    for (;;) {
      const ready = await fetch(`${prometheus.url}/-/ready`).then((r) => r.ok, () => false)
      if (ready) return prometheus
      if (child.exitCode !== null || Date.now() > deadline) {
        await prometheus.stop()
        throw new Error(`prometheus did not start: ${prometheus.#log}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }

  async alerts(): Promise<PrometheusAlert[]> {
    const body = (await (await fetch(`${this.url}/api/v1/alerts`)).json()) as { data: { alerts: PrometheusAlert[] } }
    return body.data.alerts
  }

  /** An instant query; throws with Prometheus' own error when the expression is bad. */
  async query(expression: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    const body = (await (await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expression)}`)).json()) as {
      status: string
      error?: string
      data: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> }
    }
    if (body.status !== 'success') throw new Error(`${expression}: ${body.error}`)
    return body.data.result
  }

  /** The scrape targets' health, as Prometheus sees them. */
  async scrapeHealth(): Promise<string[]> {
    const body = (await (await fetch(`${this.url}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ health: string; lastError: string }> } }
    return body.data.activeTargets.map((t) => (t.lastError ? `${t.health}: ${t.lastError}` : t.health))
  }

  get log(): string {
    return this.#log
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve))
      this.child.kill('SIGTERM')
      await exited
    }
    await rm(this.dir, { recursive: true, force: true })
  }
}
