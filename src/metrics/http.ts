/** Serves a {@link MetricsRegistry} in Prometheus text format on `http://host:port/metrics`. */
import { createServer, type Server } from 'node:http'
import type { MetricsRegistry } from './registry.js'

export interface MetricsServer {
  readonly port: number
  close(): Promise<void>
}

/** Start the metrics endpoint (port 0 picks a free one). */
export async function serveMetrics(registry: MetricsRegistry, host: string, port: number): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/metrics' || req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
      res.end(registry.render())
    } else {
      res.writeHead(404).end()
    }
  })
  server.keepAliveTimeout = 1000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const addr = server.address()
  return {
    port: typeof addr === 'object' && addr ? addr.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
