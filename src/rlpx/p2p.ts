/**
 * The devp2p base protocol ("p2p" capability, ids 0x00..0x0f): Hello, Disconnect, Ping, Pong.
 * Spec: devp2p rlpx.md#p2p-capability; EIP-8 (extra Hello elements are ignored). No I/O.
 * @module
 */
import { asBytes, asInt, asList, asText, decode, encode, RlpError, type RlpItem } from '../rlp/index.js'
import { bytesToInt } from '../util/bytes.js'
import { err, ok, type Result } from '../util/result.js'
import type { Capability } from './caps.js'
import { DisconnectReason } from './disconnect.js'

/** p2p version we announce; ≥ 5 on both sides turns on snappy. rlpx.md, EIP-706. */
export const BASE_PROTOCOL_VERSION = 5
/** First p2p version with snappy compression. EIP-706. */
export const SNAPPY_PROTOCOL_VERSION = 5
/** Message ids reserved for the base protocol: 0x00..0x0f. rlpx.md. */
export const BASE_PROTOCOL_LENGTH = 16
/** Largest base-protocol message (Hello, Disconnect, Ping, Pong). go-ethereum p2p/peer.go baseProtocolMaxMsgSize. */
export const MAX_BASE_MESSAGE_SIZE = 2 * 1024

/** Base protocol message ids. rlpx.md. */
export const P2pMessage = { Hello: 0x00, Disconnect: 0x01, Ping: 0x02, Pong: 0x03 } as const

/** The Hello message. */
export interface Hello {
  /** p2p version (5 today). */
  version: number
  clientId: string
  capabilities: Capability[]
  /** Legacy listening port (0: not listening). Ignored by modern clients. */
  listenPort: number
  /** 64-byte public key of the sender. */
  id: Uint8Array
}

/** Why a base-protocol message was refused. `BAD_ID` maps to InvalidIdentity, the rest to BreachOfProtocol. */
export type P2pErrorCode = 'BAD_RLP' | 'BAD_HELLO' | 'BAD_ID' | 'BAD_DISCONNECT'

/** A malformed base-protocol message. */
export class P2pError extends Error {
  override name = 'P2pError'
  constructor(
    readonly code: P2pErrorCode,
    detail = '',
  ) {
    super(detail ? `${code}: ${detail}` : code)
  }
}

/** Encode a Hello payload (without the message id). */
export function encodeHello(h: Hello): Uint8Array {
  return encode([h.version, h.clientId, h.capabilities.map((c) => [c.name, c.version]), h.listenPort, h.id])
}

/**
 * Decode a Hello payload. Additional list elements are ignored (EIP-8), as are extra elements in
 * a capability entry. The id must be 64 bytes and not all zero (go-ethereum's check), otherwise
 * `BAD_ID`; whether it is the key proven by the handshake is the connection's check.
 */
export function decodeHello(payload: Uint8Array): Result<Hello, P2pError> {
  let l: RlpItem[]
  try {
    l = asList(decode(payload), 'Hello', 5)
  } catch (e) {
    if (e instanceof RlpError) return err(new P2pError(e.code === 'BAD_VALUE' ? 'BAD_HELLO' : 'BAD_RLP', e.message))
    throw e
  }
  let hello: Hello
  try {
    const port = asBytes(l[3], 'listenPort')
    if (port.length > 6) throw new RlpError('BAD_VALUE', 'listenPort over 6 bytes')
    hello = {
      version: asInt(l[0], 'version'),
      clientId: asText(l[1], 'clientId', MAX_BASE_MESSAGE_SIZE),
      capabilities: asList(l[2], 'capabilities').map((c) => {
        const cap = asList(c, 'capability', 2)
        return { name: asText(cap[0], 'capability name', 64), version: asInt(cap[1], 'capability version') }
      }),
      listenPort: bytesToInt(port),
      id: asBytes(l[4], 'id'),
    }
  } catch (e) {
    if (e instanceof RlpError) return err(new P2pError('BAD_HELLO', e.message))
    throw e
  }
  if (hello.id.length !== 64) return err(new P2pError('BAD_ID', `node id is ${hello.id.length} bytes, want 64`))
  if (hello.id.every((b) => b === 0)) return err(new P2pError('BAD_ID', 'null node id'))
  return ok(hello)
}

/** Encode a Disconnect payload: `[reason]`, the list form go-ethereum sends. */
export function encodeDisconnect(reason: DisconnectReason): Uint8Array {
  return encode([reason])
}

/**
 * Decode a Disconnect payload in any form real clients send: `[reason]`, a bare `reason` (as
 * @ethereumjs/devp2p sends), or `[]` (reason omitted: DisconnectRequested). Reasons are kept as
 * numbers 0..255, known or not.
 */
export function decodeDisconnect(payload: Uint8Array): Result<DisconnectReason, P2pError> {
  let item: RlpItem
  try {
    item = decode(payload)
  } catch (e) {
    if (e instanceof RlpError) return err(new P2pError('BAD_DISCONNECT', e.message))
    throw e
  }
  if (Array.isArray(item)) {
    if (item.length === 0) return ok(DisconnectReason.DisconnectRequested)
    item = item[0] as RlpItem
  }
  if (!(item instanceof Uint8Array) || item.length > 1)
    return err(new P2pError('BAD_DISCONNECT', 'reason must be one byte'))
  return ok(item.length === 0 ? 0 : (item[0] as number))
}

/** Ping and Pong carry an empty list. rlpx.md. */
export const EMPTY_LIST = Uint8Array.of(0xc0)
