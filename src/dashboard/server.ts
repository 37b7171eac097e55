/** The devnet's live web dashboard: one page that polls `/api/status` and draws the network. */
import { createServer, type Server } from 'node:http'
import { PAGE } from './page.js'

export interface Dashboard {
  readonly url: string
  close(): Promise<void>
}

/** Serve the dashboard on `host:port` (0 picks a port); `status()` is called per request. */
export async function serveDashboard(status: () => unknown, host: string, port: number): Promise<Dashboard> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/api/status') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      res.end(JSON.stringify(status()))
    } else if (req.url === '/' || req.url === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(PAGE)
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
  const actual = typeof addr === 'object' && addr ? addr.port : port
  return {
    url: `http://${host}:${actual}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
