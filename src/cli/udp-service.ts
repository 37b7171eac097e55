/** The socket plumbing shared by `eth-p2p discv4` and `eth-p2p discv5`: bind, serve, close, retry. */
import { type UdpAddress, UdpTransport } from '../transport/udp.js'
import { CliError } from './args.js'

/** A discovery service as the CLI drives it. */
export interface DatagramService {
  handle(data: Uint8Array, from: UdpAddress): unknown
  close(): Promise<void>
}

/** Bind a UDP socket, or fail with one clear line (exit 1). */
export async function bindUdp(host: string, port: number, signal: AbortSignal): Promise<UdpTransport> {
  try {
    return await UdpTransport.bind(host, port, signal)
  } catch (e) {
    throw new CliError(`cannot bind UDP ${host}:${port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).name}`, 1)
  }
}

/** Feed `udp`'s datagrams to `svc`, run `fn`, then close both whatever happens. */
export async function serveOn<S extends DatagramService, T>(
  udp: UdpTransport,
  svc: S,
  fn: (svc: S) => Promise<T>,
): Promise<T> {
  udp.onDatagram((data, from) => {
    svc.handle(data, from)
  })
  try {
    return await fn(svc)
  } finally {
    await svc.close()
    await udp.close()
  }
}

/** Repeat `fn` while it fails with a timeout (a lost datagram), until `signal` ends the attempts. */
export async function retrying<T>(
  signal: AbortSignal,
  what: string,
  isTimeout: (e: unknown) => boolean,
  fn: () => Promise<T>,
): Promise<T> {
  for (;;) {
    try {
      return await fn()
    } catch (e) {
      if (signal.aborted) throw new CliError(`${what}: no answer in time`, 1)
      if (!isTimeout(e)) throw new CliError(`${what}: ${e instanceof Error ? e.message : String(e)}`, 1)
    }
  }
}
