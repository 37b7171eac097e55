/** Serves a {@link MetricsRegistry} in Prometheus text format on `http://host:port/metrics`. */
import { serveHttp } from '../util/http.js'
import type { MetricsRegistry } from './registry.js'

export interface MetricsServer {
  readonly port: number
  close(): Promise<void>
}

/** Start the metrics endpoint (port 0 picks a free one). */
export function serveMetrics(registry: MetricsRegistry, host: string, port: number): Promise<MetricsServer> {
  return serveHttp(
    (req, res) => {
      if (req.url === '/metrics' || req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
        res.end(registry.render())
      } else {
        res.writeHead(404).end()
      }
    },
    host,
    port,
  )
}
