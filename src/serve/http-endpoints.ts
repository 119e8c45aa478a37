// serve's HTTP side: /metrics for Prometheus, /findings for people and
// scripts (the contract's JSON document per target), /healthz for
// orchestrators. Nothing here polls: every answer is read from the targets.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Registry } from 'prom-client'
import { PgleakError } from '../errors.js'
import { METRICS_CONTENT_TYPE, renderMetrics } from '../render/prometheus-exposition.js'
import { serveFindingsDocument, targetDocument } from '../render/serve-findings.js'
import type { TargetWatch } from './target-watch.js'

export interface ListenAddress {
  readonly host: string
  readonly port: number
}

/** `127.0.0.1:9187`, `:9187` (every interface) or `[::1]:9187`. */
export function parseListenAddress(text: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim())
  const port = match ? Number(match[3]) : Number.NaN
  if (!match || port > 65535) throw new PgleakError('USAGE', `'${text}' is not an address to listen on`, { hint: 'Write host:port, such as 127.0.0.1:9187, or :9187 for every interface.' })
  return { host: match[1] ?? (match[2] === '' ? '0.0.0.0' : match[2]!), port }
}

export function startHttpEndpoints(address: ListenAddress, processMetrics: Registry, watches: () => readonly TargetWatch[]): Promise<Server> {
  const server = createServer((request, response) => {
    void answer(request, response, processMetrics, watches()).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
      response.end(`pgleak: ${error instanceof Error ? error.message : String(error)}\n`)
    })
  })
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new PgleakError('USAGE', `cannot listen on ${address.host}:${address.port}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.code === 'EACCES' ? 'not allowed' : error.message}`, {
          hint: 'Choose another --listen address.',
        }),
      ),
    )
    server.listen(address.port, address.host, () => resolve(server))
  })
}

async function answer(request: IncomingMessage, response: ServerResponse, processMetrics: Registry, watches: readonly TargetWatch[]): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://pgleak')
  if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'text/plain; charset=utf-8', 'only GET\n')
  switch (url.pathname) {
    case '/metrics':
      return send(response, 200, METRICS_CONTENT_TYPE, await renderMetrics(processMetrics, watches))
    case '/findings': {
      const name = url.searchParams.get('target')
      if (name === null) return send(response, 200, 'application/json', `${JSON.stringify(serveFindingsDocument(watches), null, 2)}\n`)
      const watch = watches.find((w) => w.target.name === name)
      if (!watch) return send(response, 404, 'application/json', `${JSON.stringify({ error: `no target named '${name}'` })}\n`)
      return send(response, 200, 'application/json', `${JSON.stringify(targetDocument(watch), null, 2)}\n`)
    }
    case '/healthz':
      // Alive and serving: a database being down is what pgleak_up reports, not a reason to restart pgleak.
      return send(response, 200, 'text/plain; charset=utf-8', 'ok\n')
    case '/':
      return send(response, 200, 'text/html; charset=utf-8', '<!doctype html><title>pgleak serve</title><p>pgleak: <a href="/metrics">/metrics</a>, <a href="/findings">/findings</a>, <a href="/healthz">/healthz</a></p>\n')
    default:
      return send(response, 404, 'text/plain; charset=utf-8', 'not found: try /metrics, /findings or /healthz\n')
  }
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) })
  response.end(body)
}
