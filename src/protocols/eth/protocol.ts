/**
 * eth/68 and eth/69 as protocol definitions (devp2p caps/eth.md; EIP-5793, EIP-7642), with the
 * Status handshake: network id, genesis and fork id (EIP-2124) must agree, else the peer is
 * disconnected with SubprotocolError and an {@link EthStatusError} saying which check failed.
 * @module
 */

import { DisconnectError, DisconnectReason } from '../../protocol/errors.js'
import { envelopeIds } from '../../protocol/ids.js'
import { type Codec, defineProtocol, message, request } from '../../protocol/index.js'
import { equalBytes, toHex } from '../../util/bytes.js'
import type { Result } from '../../util/result.js'
import type { ChainConfig } from './chains.js'
import { type ChainHead, computeForkId, type ForkId, type ForkIdErrorCode, forkIdFilter } from './forkid.js'
import {
  blockRangeCodec,
  type Hash,
  hashListCodec,
  headersQueryCodec,
  newBlockCodec,
  newBlockHashesCodec,
  rawListsCodec,
  receipts68Codec,
  receipts69Codec,
  type Status68,
  type Status69,
  status68Codec,
  status69Codec,
  transactionsCodec,
  txAnnouncementCodec,
} from './messages.js'

/** Largest eth message accepted. devp2p caps/eth.md "Basic Operation"; go-ethereum eth maxMessageSize. */
export const ETH_MAX_MESSAGE_SIZE = 10 * 1024 * 1024
/** Status exchange deadline. go-ethereum eth/protocols/eth/handshake.go handshakeTimeout. */
export const ETH_HANDSHAKE_TIMEOUT_MS = 5_000
/** Default timeout of eth requests. nim-eth defaultReqTimeout; go-ethereum's fetchers use similar TTLs. */
export const ETH_REQUEST_TIMEOUT_MS = 10_000

/** The local chain head, read at each handshake. */
export interface EthHead extends ChainHead {
  readonly hash: Hash
  /** Total difficulty (eth/68 Status); 0 when unknown. */
  readonly td?: bigint
  /** Earliest full block served (eth/69 Status); 0 when unknown. */
  readonly earliest?: bigint
}

/** What a node tells the eth protocol about itself. */
export interface EthConfig {
  readonly chain: ChainConfig
  /** Defaults to the chain's network id. */
  readonly networkId?: bigint
  head(): EthHead
}

/** Per-node eth state: the config plus a prepared fork-id filter. */
export interface EthNodeState {
  readonly chain: ChainConfig
  readonly networkId: bigint
  head(): EthHead
  readonly checkForkId: (head: ChainHead, remote: ForkId) => Result<void, ForkIdErrorCode>
}

/** Which Status check failed. */
export type EthStatusErrorCode = 'VERSION' | 'NETWORK_ID' | 'GENESIS' | 'FORK_ID' | 'BLOCK_RANGE'

/** A refused Status; disconnects with SubprotocolError (as go-ethereum does). */
export class EthStatusError extends DisconnectError {
  override name = 'EthStatusError'
  constructor(
    readonly code: EthStatusErrorCode,
    detail: string,
  ) {
    super(DisconnectReason.SubprotocolError, `${code}: ${detail}`)
  }
}

function ethNodeState(cfg: EthConfig): EthNodeState {
  return {
    chain: cfg.chain,
    networkId: cfg.networkId ?? cfg.chain.networkId,
    head: () => cfg.head(),
    checkForkId: forkIdFilter(cfg.chain),
  }
}

/** The checks both versions share (go-ethereum eth/protocols/eth/handshake.go readStatus). */
export function checkStatus(
  ns: EthNodeState,
  head: ChainHead,
  version: number,
  remote: { version: number; networkId: bigint; genesis: Hash; forkId: ForkId },
): void {
  if (remote.version !== version) throw new EthStatusError('VERSION', `${remote.version} != ${version}`)
  if (remote.networkId !== ns.networkId)
    throw new EthStatusError('NETWORK_ID', `${remote.networkId} != ${ns.networkId}`)
  if (!equalBytes(remote.genesis, ns.chain.genesisHash))
    throw new EthStatusError('GENESIS', `${toHex(remote.genesis)} != ${toHex(ns.chain.genesisHash)}`)
  const fork = ns.checkForkId(head, remote.forkId)
  if (!fork.ok)
    throw new EthStatusError('FORK_ID', `${fork.error} (${remote.forkId.hash.toString(16)}/${remote.forkId.next})`)
}

const ZERO_HASH = new Uint8Array(32)

const handshakeBase = {
  timeoutMs: ETH_HANDSHAKE_TIMEOUT_MS,
  failReason: DisconnectReason.SubprotocolError,
  timeoutReason: DisconnectReason.ReadTimeout,
} as const

const status68 = message(0x00, status68Codec)
const status69 = message(0x00, status69Codec)

const shared = {
  newBlockHashes: message(0x01, newBlockHashesCodec),
  transactions: message(0x02, transactionsCodec),
  newPooledTransactionHashes: message(0x08, txAnnouncementCodec),
}

function sharedRequests<R>(receipts: Codec<R>) {
  const opts = { timeoutMs: ETH_REQUEST_TIMEOUT_MS }
  return {
    getBlockHeaders: request(0x03, headersQueryCodec, { response: 0x04, codec: rawListsCodec('header'), ...opts }),
    getBlockBodies: request(0x05, hashListCodec, { response: 0x06, codec: rawListsCodec('block body'), ...opts }),
    getPooledTransactions: request(0x09, hashListCodec, { response: 0x0a, codec: transactionsCodec, ...opts }),
    getReceipts: request(0x0f, hashListCodec, { response: 0x10, codec: receipts, ...opts }),
  }
}

/** eth/68 (EIP-5793): 17 message codes. */
export const eth68 = defineProtocol({
  name: 'eth',
  version: 68,
  length: 17,
  requestIds: envelopeIds,
  maxMessageSize: ETH_MAX_MESSAGE_SIZE,
  messages: { status: status68, ...shared, newBlock: message(0x07, newBlockCodec) },
  requests: sharedRequests(receipts68Codec),
  nodeState: (cfg: EthConfig): EthNodeState => ethNodeState(cfg),
  handshake: {
    ...handshakeBase,
    exclusive: [status68],
    async run(ctx): Promise<Status68> {
      const ns = ctx.nodeState
      const head = ns.head()
      const forkId = computeForkId(ns.chain, head)
      const genesis = ns.chain.genesisHash
      ctx.send(status68, { version: 68, networkId: ns.networkId, td: head.td ?? 0n, head: head.hash, genesis, forkId })
      const remote = await ctx.receive(status68)
      checkStatus(ns, head, 68, remote)
      return remote
    },
  },
})

/** eth/69 (EIP-7642): 18 message codes; Status carries the served block range, no NewBlock. */
export const eth69 = defineProtocol({
  name: 'eth',
  version: 69,
  length: 18,
  requestIds: envelopeIds,
  maxMessageSize: ETH_MAX_MESSAGE_SIZE,
  messages: { status: status69, ...shared, blockRangeUpdate: message(0x11, blockRangeCodec) },
  requests: sharedRequests(receipts69Codec),
  nodeState: (cfg: EthConfig): EthNodeState => ethNodeState(cfg),
  handshake: {
    ...handshakeBase,
    exclusive: [status69],
    async run(ctx): Promise<Status69> {
      const ns = ctx.nodeState
      const head = ns.head()
      const forkId = computeForkId(ns.chain, head)
      ctx.send(status69, {
        version: 69,
        networkId: ns.networkId,
        genesis: ns.chain.genesisHash,
        forkId,
        earliest: head.earliest ?? 0n,
        latest: head.number,
        latestHash: head.hash,
      })
      const remote = await ctx.receive(status69)
      checkStatus(ns, head, 69, remote)
      if (remote.earliest > remote.latest || equalBytes(remote.latestHash, ZERO_HASH))
        throw new EthStatusError('BLOCK_RANGE', `${remote.earliest}..${remote.latest}`)
      return remote
    },
  },
})
