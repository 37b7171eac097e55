import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  type AnyProtocol,
  DisconnectReason,
  HandshakeError,
  type HostOptions,
  type InitOf,
  memoryPair,
  ProtocolHost,
} from '../../../../src/protocol/index.js'
import {
  type ChainConfig,
  computeForkId,
  devnet,
  type EthConfig,
  EthStatusError,
  eth68,
  eth69,
  mainnet,
  status69Codec,
} from '../../../../src/protocols/eth/index.js'
import { encode } from '../../../../src/rlp/index.js'
import { VirtualClock } from '../../../../src/util/clock.js'
import { flush, RawPeer } from '../../protocol/helpers.js'

const head = (n: bigint, time = 1_000n) => ({ number: n, time, hash: new Uint8Array(32).fill(7), earliest: 0n })
const cfg = (chain: ChainConfig, n = 10n, time = 1_000n): EthConfig => ({ chain, head: () => head(n, time) })

async function connect<P extends AnyProtocol>(protocol: P, a: InitOf<P>, b: InitOf<P>) {
  const clock = new VirtualClock()
  const ha = new ProtocolHost(protocol, { clock, init: a } as HostOptions<InitOf<P>>)
  const hb = new ProtocolHost(protocol, { clock, init: b } as HostOptions<InitOf<P>>)
  const [ca, cb] = memoryPair()
  const pa = ha.attach(ca)
  const pb = hb.attach(cb)
  const [ra, rb] = await Promise.allSettled([pa.start(), pb.start()])
  return { pa, pb, ra, rb, ha, hb, clock, ca, cb }
}

function refusedWith(r: PromiseSettledResult<unknown>, code: string): boolean {
  return (
    r.status === 'rejected' &&
    r.reason instanceof HandshakeError &&
    r.reason.reason === DisconnectReason.SubprotocolError &&
    r.reason.cause instanceof EthStatusError &&
    r.reason.cause.code === code
  )
}

describe('eth Status handshake', () => {
  test('eth/68 on a shared chain: Status exchanged, then GetBlockHeaders answered and matched by id', async () => {
    const { pa, pb, ra, rb } = await connect(eth68, cfg(mainnet, 20_000_000n, 1_800_000_000n), cfg(mainnet, 30n))
    assert.equal(ra.status, 'fulfilled')
    assert.equal(rb.status, 'fulfilled')
    assert.equal(pa.handshake.version, 68)
    assert.deepEqual(pa.handshake.forkId, computeForkId(mainnet, { number: 30n, time: 1_000n }))
    assert.equal(pb.handshake.forkId.hash, 0x07c9462e, 'A is past BPO2; B, still syncing, accepts it (rule 3)')
    const header = encode([new Uint8Array(32), 5])
    pb.handle(eth68.requests.getBlockHeaders, (q) => (q.origin === 5n && q.limit === 1n ? [header] : []))
    const got = await pa.request(eth68.requests.getBlockHeaders, { origin: 5n, limit: 1n, skip: 0n, reverse: false })
    assert.deepEqual(got, [header])
  })

  test('eth/69 on the devnet: the block range arrives with the Status', async () => {
    const { pa, ra, rb } = await connect(eth69, cfg(devnet), cfg(devnet, 99n))
    assert.equal(ra.status, 'fulfilled')
    assert.equal(rb.status, 'fulfilled')
    assert.equal(pa.handshake.latest, 99n)
    assert.equal(pa.handshake.networkId, 1337n)
  })

  test('a different genesis is refused by both sides', async () => {
    const other: ChainConfig = { ...devnet, genesisHash: new Uint8Array(32).fill(1) }
    const { ra, rb } = await connect(eth68, cfg(devnet), cfg(other))
    assert.ok(refusedWith(ra, 'GENESIS'))
    assert.ok(refusedWith(rb, 'GENESIS'))
  })

  test('a different network id is refused', async () => {
    const { ra, rb } = await connect(eth69, cfg(devnet), { ...cfg(devnet), networkId: 7n })
    assert.ok(refusedWith(ra, 'NETWORK_ID'))
    assert.ok(refusedWith(rb, 'NETWORK_ID'))
  })

  test('incompatible fork ids are refused by both sides', async () => {
    // B knows a fork at block 5 that A never heard of; both heads are at block 10.
    const forked: ChainConfig = { ...devnet, forks: [...devnet.forks, { name: 'gopherium', block: 5n }] }
    const { ra, rb } = await connect(eth69, cfg(devnet), cfg(forked))
    assert.ok(refusedWith(ra, 'FORK_ID'))
    assert.ok(refusedWith(rb, 'FORK_ID'))
  })

  test('an eth/69 Status with earliest above latest is refused', async () => {
    const clock = new VirtualClock()
    const host = new ProtocolHost(eth69, { clock, init: cfg(devnet) })
    const [ca, cb] = memoryPair()
    const raw = new RawPeer(cb)
    const peer = host.attach(ca)
    const started = peer.start()
    raw.send(
      0x00,
      status69Codec.encode({
        version: 69,
        networkId: 1337n,
        genesis: devnet.genesisHash,
        forkId: computeForkId(devnet, head(10n)),
        earliest: 11n,
        latest: 10n,
        latestHash: new Uint8Array(32).fill(1),
      }),
    )
    await assert.rejects(
      started,
      (e) => e instanceof HandshakeError && (e.cause as EthStatusError).code === 'BLOCK_RANGE',
    )
  })

  test('no Status within 5 s disconnects with ReadTimeout', async () => {
    const clock = new VirtualClock()
    const host = new ProtocolHost(eth68, { clock, init: cfg(devnet) })
    const [ca, cb] = memoryPair()
    const raw = new RawPeer(cb)
    const started = host.attach(ca).start()
    await flush()
    assert.equal(raw.got[0]?.[0], 0x00, 'our Status went out')
    clock.advance(5_000)
    await assert.rejects(started, (e) => e instanceof HandshakeError && e.reason === DisconnectReason.ReadTimeout)
  })

  test('a second Status, or a bad BlockRangeUpdate, is a breach of protocol', async () => {
    for (const [code, payload] of [
      [
        0x00,
        status69Codec.encode({
          version: 69,
          networkId: 1337n,
          genesis: devnet.genesisHash,
          forkId: { hash: 0, next: 0n },
          earliest: 0n,
          latest: 1n,
          latestHash: new Uint8Array(32).fill(1),
        }),
      ],
      [0x11, encode([5, 4, new Uint8Array(32)])],
    ] as const) {
      const { pa, cb } = await connect(eth69, cfg(devnet), cfg(devnet))
      cb.send(code, payload)
      await flush()
      assert.equal(pa.closeReason?.reason, DisconnectReason.BreachOfProtocol)
    }
  })
})
