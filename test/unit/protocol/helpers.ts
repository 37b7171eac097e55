import {
  type AnyProtocol,
  bytesCodec,
  type CloseInfo,
  DisconnectError,
  DisconnectReason,
  defineProtocol,
  envelopeIds,
  type HostOptions,
  type InitOf,
  MemoryConnection,
  memoryPair,
  message,
  ProtocolHost,
  type ProtocolPeer,
  request,
  textCodec,
  uint64Codec,
} from '../../../src/protocol/index.js'
import { encode } from '../../../src/rlp/index.js'
import { VirtualClock } from '../../../src/util/clock.js'

/** Let queued microtasks and promise chains run. */
export const flush = (): Promise<void> => new Promise((r) => setImmediate(r))

const table = {
  messages: { note: message(0x00, textCodec(64)), blob: message(0x05, bytesCodec, { maxSize: 100 }) },
  requests: {
    echo: request(0x01, uint64Codec, { response: 0x02, codec: uint64Codec, timeoutMs: 1000 }),
    other: request(0x03, bytesCodec, { response: 0x04, codec: bytesCodec }),
  },
}

/** A protocol with eth/66-style request ids. */
export const echoProto = defineProtocol({
  name: 'echo',
  version: 1,
  length: 8,
  requestIds: envelopeIds,
  maxMessageSize: 1000,
  ...table,
  peerState: () => ({ notes: [] as string[] }),
})

/** The same table without request ids: responses match FIFO. */
export const fifoProto = defineProtocol({ name: 'fifo', version: 1, length: 8, ...table })

const hello = message(0x00, uint64Codec)

/** A protocol with a hello handshake; the remote saying 99 is refused as useless. */
export const helloProto = defineProtocol({
  name: 'hello',
  version: 1,
  length: 4,
  requestIds: envelopeIds,
  messages: { hello, note: message(0x01, textCodec(64)) },
  requests: { echo: request(0x02, uint64Codec, { response: 0x03, codec: uint64Codec }) },
  nodeState: (init: { id: bigint; gate?: Promise<void> }) => init,
  handshake: {
    timeoutMs: 2000,
    exclusive: [hello],
    async run(ctx) {
      ctx.send(hello, ctx.nodeState.id)
      const remote = await ctx.receive(hello)
      if (remote === 99n) throw new DisconnectError(DisconnectReason.UselessPeer, 'id 99 is useless')
      await ctx.nodeState.gate
      return { remoteId: remote }
    },
  },
})

/** A remote side driven by hand: records what it receives, sends raw bytes. */
export class RawPeer {
  readonly got: [number, Uint8Array][] = []
  closeInfo: CloseInfo | undefined
  constructor(readonly conn: MemoryConnection) {
    conn.attach({ onMessage: (c, p) => this.got.push([c, p]), onClose: (i) => (this.closeInfo = i) })
  }
  send(code: number, payload: Uint8Array | Parameters<typeof encode>[0]): void {
    this.conn.send(code, payload instanceof Uint8Array ? payload : encode(payload))
  }
}

/** Two hosts of the same protocol joined in memory on one virtual clock. */
export async function pairOf<P extends AnyProtocol>(
  protocol: P,
  opts: { a?: HostOptions<InitOf<P>>; b?: HostOptions<InitOf<P>>; start?: boolean } = {},
): Promise<{ a: ProtocolPeer<P>; b: ProtocolPeer<P>; ha: ProtocolHost<P>; hb: ProtocolHost<P>; clock: VirtualClock }> {
  const clock = new VirtualClock()
  const ha = new ProtocolHost(protocol, { clock, ...opts.a } as HostOptions<InitOf<P>>)
  const hb = new ProtocolHost(protocol, { clock, ...opts.b } as HostOptions<InitOf<P>>)
  const [ca, cb] = memoryPair()
  const a = ha.attach(ca)
  const b = hb.attach(cb)
  if (opts.start !== false) await Promise.all([a.start(), b.start()])
  return { a, b, ha, hb, clock }
}

/** One started peer facing a {@link RawPeer}. */
export async function rawPair<P extends AnyProtocol>(
  protocol: P,
  opts: HostOptions<InitOf<P>> = {} as HostOptions<InitOf<P>>,
  setup?: (peer: ProtocolPeer<P>) => void,
): Promise<{ peer: ProtocolPeer<P>; raw: RawPeer; clock: VirtualClock; host: ProtocolHost<P> }> {
  const clock = new VirtualClock()
  const host = new ProtocolHost(protocol, { clock, ...opts } as HostOptions<InitOf<P>>)
  const [ca, cb] = memoryPair()
  const raw = new RawPeer(cb)
  const peer = host.attach(ca)
  setup?.(peer)
  if (!protocol.handshake) await peer.start()
  return { peer, raw, clock, host }
}

export { MemoryConnection }
