/** A small local HTTP endpoint (metrics, dashboard): listen, report the port, close every connection. */
import { createServer, type RequestListener } from 'node:http'

export interface HttpEndpoint {
  /** The bound port (the OS's choice when 0 was asked). */
  readonly port: number
  /** Close the listener and every open connection. */
  close(): Promise<void>
}

/** Serve `handler` on `host:port`. Rejects with the listen error (e.g. EADDRINUSE). */
export async function serveHttp(handler: RequestListener, host: string, port: number): Promise<HttpEndpoint> {
  const server = createServer(handler)
  // Scrapers and the dashboard poll every second; idle keep-alive sockets must not hold close() up.
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
