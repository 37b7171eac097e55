/**
 * A small handshake protocol for Eth2-style nodes: on connect both sides send the fields of the
 * consensus-layer Status message, SSZ-encoded, and a peer on another fork digest is dropped as
 * useless. It is our own protocol (`/forkstatus/status/1/ssz_snappy`), not the consensus req/resp
 * Status (`/eth2/beacon_chain/req/status/1/ssz_snappy`, a request/response): the framework's
 * handshakes exchange one-way messages. It gives the devnet and `eth-p2p node --transport libp2p`
 * a handshake to run and shows an SSZ codec in the framework's codec slot.
 *
 * Spec of the fields and their SSZ layout: consensus-specs phase0 p2p-interface.md "Status"
 * (a fixed-size container: Bytes4, Root, uint64, Root, uint64 little-endian, 84 bytes).
 * @module
 */
import {
  type Codec,
  CodecError,
  DisconnectError,
  DisconnectReason,
  defineProtocol,
  message,
  ProtocolHost,
} from '../protocol/index.js'
import { equalBytes, toHex } from '../util/bytes.js'

/** The Status fields. consensus-specs phase0 p2p-interface.md "Status". */
export interface ForkStatus {
  /** 4 bytes. */
  forkDigest: Uint8Array
  /** 32 bytes. */
  finalizedRoot: Uint8Array
  finalizedEpoch: bigint
  /** 32 bytes. */
  headRoot: Uint8Array
  headSlot: bigint
}

/** SSZ size of {@link ForkStatus}: 4 + 32 + 8 + 32 + 8. consensus-specs phase0 "Status" (fixed-size container). */
export const FORK_STATUS_SIZE = 84

/** Fork digest of local devnets (`eth-p2p devnet --transport libp2p`, `eth-p2p node --transport libp2p`): 4 bytes no public network uses. */
export const DEVNET_FORK_DIGEST = Uint8Array.of(0xde, 0x7e, 0x00, 0x01)

/** The epoch of a fork that is not scheduled. consensus-specs phase0 FAR_FUTURE_EPOCH (2**64 - 1). */
export const FAR_FUTURE_EPOCH = 2n ** 64n - 1n

const U64_MAX = (1n << 64n) - 1n

function fixed(name: string, b: Uint8Array, n: number): Uint8Array {
  if (b.length !== n) throw new RangeError(`${name} must be ${n} bytes, got ${b.length}`)
  return b
}

function u64(name: string, v: bigint): bigint {
  if (v < 0n || v > U64_MAX) throw new RangeError(`${name} must fit in a uint64`)
  return v
}

/** SSZ codec of {@link ForkStatus}; decode accepts exactly {@link FORK_STATUS_SIZE} bytes. */
export const forkStatusCodec: Codec<ForkStatus> = {
  encode(s) {
    const out = new Uint8Array(FORK_STATUS_SIZE)
    const view = new DataView(out.buffer)
    out.set(fixed('forkDigest', s.forkDigest, 4), 0)
    out.set(fixed('finalizedRoot', s.finalizedRoot, 32), 4)
    view.setBigUint64(36, u64('finalizedEpoch', s.finalizedEpoch), true)
    out.set(fixed('headRoot', s.headRoot, 32), 44)
    view.setBigUint64(76, u64('headSlot', s.headSlot), true)
    return out
  },
  decode(b) {
    if (b.length !== FORK_STATUS_SIZE)
      throw new CodecError('BAD_SHAPE', `status is ${FORK_STATUS_SIZE} bytes, got ${b.length}`)
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength)
    return {
      forkDigest: b.slice(0, 4),
      finalizedRoot: b.slice(4, 36),
      finalizedEpoch: view.getBigUint64(36, true),
      headRoot: b.slice(44, 76),
      headSlot: view.getBigUint64(76, true),
    }
  },
}

const status = message(0x00, forkStatusCodec, { maxSize: FORK_STATUS_SIZE })

/** What the node's side of the handshake needs: our current status. */
export interface ForkStatusInit {
  status: () => ForkStatus
}

/**
 * The handshake protocol: each side sends its status, then checks the other's fork digest
 * (another digest: UselessPeer). The handshake result is the peer's status.
 */
export const forkStatus = defineProtocol({
  name: 'forkstatus',
  version: 1,
  length: 1,
  messages: { status },
  nodeState: (init: ForkStatusInit) => init,
  handshake: {
    exclusive: [status],
    // a slow peer is not a useless one: go-ethereum answers a handshake timeout with ReadTimeout
    timeoutReason: DisconnectReason.ReadTimeout,
    async run(ctx) {
      const ours = ctx.nodeState.status()
      ctx.send(status, ours)
      const theirs = await ctx.receive(status)
      if (!equalBytes(theirs.forkDigest, ours.forkDigest))
        throw new DisconnectError(DisconnectReason.UselessPeer, `fork digest ${toHex(theirs.forkDigest)}`)
      return theirs
    },
  },
})

/** The genesis status on a fork: zero roots, epoch and slot 0. */
export function genesisStatus(forkDigest: Uint8Array): ForkStatus {
  return {
    forkDigest: fixed('forkDigest', forkDigest, 4),
    finalizedRoot: new Uint8Array(32),
    finalizedEpoch: 0n,
    headRoot: new Uint8Array(32),
    headSlot: 0n,
  }
}

/** A host of {@link forkStatus} announcing `status` (a value or a function of the moment). */
export function forkStatusHost(status: ForkStatus | (() => ForkStatus)): ProtocolHost<typeof forkStatus> {
  const get = typeof status === 'function' ? status : () => status
  return new ProtocolHost(forkStatus, { init: { status: get } })
}
