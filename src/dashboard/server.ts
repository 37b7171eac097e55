/** The devnet's live web dashboard: one page that polls `/api/status` and draws the network. */
import { serveHttp } from '../util/http.js'
import { PAGE } from './page.js'

export interface Dashboard {
  readonly url: string
  close(): Promise<void>
}

/** Serve the dashboard on `host:port` (0 picks a port); `status()` is called per request. */
export async function serveDashboard(status: () => unknown, host: string, port: number): Promise<Dashboard> {
  const endpoint = await serveHttp(
    (req, res) => {
      if (req.url === '/api/status') {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        res.end(JSON.stringify(status()))
      } else if (req.url === '/' || req.url === '/index.html') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        res.end(PAGE)
      } else {
        res.writeHead(404).end()
      }
    },
    host,
    port,
  )
  return { url: `http://${host}:${endpoint.port}/`, close: () => endpoint.close() }
}
