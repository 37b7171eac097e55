/**
 * discv5 protocol messages: message-type || RLP(message-data), the plaintext inside message and
 * handshake packets. PING, PONG, FINDNODE, NODES, TALKREQ, TALKRESP are decoded; the topic
 * messages (REGTOPIC, REGCONFIRMATION, TOPICQUERY, TOPICNODES) are recognised and carried only
 * with their request id, so callers can count and ignore them.
 * Spec: devp2p discv5/discv5-wire.md#protocol-messages.
 * @module
 */
import {
  asBigint,
  asBytes,
  asInt,
  asList,
  decode,
  encode,
  RlpError,
  type RlpInput,
  type RlpItem,
} from '../../rlp/index.js'
import { formatIp, parseIp } from '../../util/ip.js'
import { err, ok, type Result } from '../../util/result.js'
import { MAX_REQUEST_ID_SIZE } from './constants.js'
import { WireError } from './errors.js'

/** A request id: at most {@link MAX_REQUEST_ID_SIZE} bytes, mirrored verbatim in responses. */
export type RequestId = Uint8Array

/** Message type bytes. discv5-wire.md "Protocol Messages". */
export const MessageType = {
  PING: 0x01,
  PONG: 0x02,
  FINDNODE: 0x03,
  NODES: 0x04,
  TALKREQ: 0x05,
  TALKRESP: 0x06,
  REGTOPIC: 0x07,
  REGCONFIRMATION: 0x08,
  TOPICQUERY: 0x09,
  TOPICNODES: 0x0a,
} as const

/** Largest ENR sequence number (uint64). */
const MAX_SEQ_BYTES = 8
/** Largest port number (uint16). */
const MAX_PORT = 0xffff

/** PING: liveness check carrying the sender's ENR sequence number. */
export interface PingMessage {
  type: 'PING'
  reqId: RequestId
  enrSeq: bigint
}
/** PONG: answer to PING, with the address the PING came from. */
export interface PongMessage {
  type: 'PONG'
  reqId: RequestId
  enrSeq: bigint
  /** recipient-ip as text (4-byte IPv4 or 16-byte IPv6 on the wire). */
  ip: string
  port: number
}
/** FINDNODE: ask for records at the given log2 distances. */
export interface FindNodeMessage {
  type: 'FINDNODE'
  reqId: RequestId
  distances: number[]
}
/** NODES: one of `total` answers to FINDNODE, records as raw RLP (verified by the caller). */
export interface NodesMessage {
  type: 'NODES'
  reqId: RequestId
  total: number
  enrs: Uint8Array[]
}
/** TALKREQ: an application request for `protocol`. */
export interface TalkReqMessage {
  type: 'TALKREQ'
  reqId: RequestId
  protocol: Uint8Array
  request: Uint8Array
}
/** TALKRESP: the answer to TALKREQ (empty for an unknown protocol). */
export interface TalkRespMessage {
  type: 'TALKRESP'
  reqId: RequestId
  response: Uint8Array
}
/** A topic-advertisement message: recognised, not implemented. */
export interface TopicMessage {
  type: 'REGTOPIC' | 'REGCONFIRMATION' | 'TOPICQUERY' | 'TOPICNODES'
  reqId: RequestId
}

/** Messages a node sends to ask for something. */
export type RequestMessage = PingMessage | FindNodeMessage | TalkReqMessage
/** Messages that answer a request. */
export type ResponseMessage = PongMessage | NodesMessage | TalkRespMessage
/** Every message kind this codec knows. */
export type Message = RequestMessage | ResponseMessage | TopicMessage

/** True for PING, FINDNODE and TALKREQ. */
export function isRequest(m: Message): m is RequestMessage {
  return m.type === 'PING' || m.type === 'FINDNODE' || m.type === 'TALKREQ'
}

/** True for PONG, NODES and TALKRESP. */
export function isResponse(m: Message): m is ResponseMessage {
  return m.type === 'PONG' || m.type === 'NODES' || m.type === 'TALKRESP'
}

/** The response type that answers a request type. */
export function responseTypeOf(req: RequestMessage['type']): ResponseMessage['type'] {
  return req === 'PING' ? 'PONG' : req === 'FINDNODE' ? 'NODES' : 'TALKRESP'
}

function checkReqId(reqId: Uint8Array): void {
  if (reqId.length > MAX_REQUEST_ID_SIZE)
    throw new WireError('REQUEST_ID_TOO_LONG', `request-id of ${reqId.length} bytes`)
}

/**
 * Encode a message as message-type || RLP(message-data). Throws {@link WireError}
 * `REQUEST_ID_TOO_LONG` or RangeError for fields that cannot be encoded.
 */
export function encodeMessage(m: Message): Uint8Array {
  checkReqId(m.reqId)
  let type: number
  let data: RlpInput[]
  switch (m.type) {
    case 'PING':
      type = MessageType.PING
      data = [m.reqId, m.enrSeq]
      break
    case 'PONG': {
      const ip = parseIp(m.ip)
      if (!ip) throw new RangeError(`PONG recipient-ip is not an IP address: ${m.ip}`)
      if (!Number.isInteger(m.port) || m.port < 0 || m.port > MAX_PORT) throw new RangeError(`bad port ${m.port}`)
      type = MessageType.PONG
      data = [m.reqId, m.enrSeq, ip, m.port]
      break
    }
    case 'FINDNODE':
      type = MessageType.FINDNODE
      data = [m.reqId, m.distances]
      break
    case 'NODES':
      return encodeNodes(m)
    case 'TALKREQ':
      type = MessageType.TALKREQ
      data = [m.reqId, m.protocol, m.request]
      break
    case 'TALKRESP':
      type = MessageType.TALKRESP
      data = [m.reqId, m.response]
      break
    default:
      throw new RangeError(`encoding ${m.type} is not supported`)
  }
  const body = encode(data)
  const out = new Uint8Array(1 + body.length)
  out[0] = type
  out.set(body, 1)
  return out
}

/** NODES records are already RLP: splice them in without decoding. */
function encodeNodes(m: NodesMessage): Uint8Array {
  const reqId = encode(m.reqId)
  const total = encode(m.total)
  let recordsLen = 0
  for (const r of m.enrs) recordsLen += r.length
  const recordsHeader = rlpListHeader(recordsLen)
  const payloadLen = reqId.length + total.length + recordsHeader.length + recordsLen
  const outerHeader = rlpListHeader(payloadLen)
  const out = new Uint8Array(1 + outerHeader.length + payloadLen)
  out[0] = MessageType.NODES
  let o = 1
  for (const part of [outerHeader, reqId, total, recordsHeader, ...m.enrs]) {
    out.set(part, o)
    o += part.length
  }
  return out
}

/**
 * Encoded size of a NODES message with request id `reqId`, `total` and records whose raw sizes
 * add up to `recordBytes`, worked out without encoding it.
 */
export function nodesMessageSize(reqId: RequestId, total: number, recordBytes: number): number {
  const payload = encode(reqId).length + encode(total).length + rlpListHeaderSize(recordBytes) + recordBytes
  return 1 + rlpListHeaderSize(payload) + payload
}

function rlpListHeaderSize(payload: number): number {
  let n = 1
  for (let x = payload; payload >= 56 && x > 0; x = Math.floor(x / 256)) n++
  return n
}

function rlpListHeader(payload: number): Uint8Array {
  if (payload < 56) return Uint8Array.of(0xc0 + payload)
  const len: number[] = []
  for (let n = payload; n > 0; n = Math.floor(n / 256)) len.unshift(n % 256)
  return Uint8Array.of(0xf7 + len.length, ...len)
}

function reqIdOf(item: RlpItem | undefined): RequestId {
  const id = asBytes(item, 'request-id')
  checkReqId(id)
  return id
}

function exactly(list: RlpItem[], n: number, what: string): void {
  if (list.length !== n) throw new RlpError('BAD_VALUE', `${what} has ${list.length} elements, expected ${n}`)
}

const TOPIC_TYPES: Record<number, TopicMessage['type']> = {
  [MessageType.REGTOPIC]: 'REGTOPIC',
  [MessageType.REGCONFIRMATION]: 'REGCONFIRMATION',
  [MessageType.TOPICQUERY]: 'TOPICQUERY',
  [MessageType.TOPICNODES]: 'TOPICNODES',
}

function decodeBody(type: number, data: Uint8Array): Message {
  const l = asList(decode(data), 'message-data', 1)
  const reqId = reqIdOf(l[0])
  switch (type) {
    case MessageType.PING:
      exactly(l, 2, 'PING')
      return { type: 'PING', reqId, enrSeq: asBigint(l[1], 'enr-seq', MAX_SEQ_BYTES) }
    case MessageType.PONG: {
      exactly(l, 4, 'PONG')
      const enrSeq = asBigint(l[1], 'enr-seq', MAX_SEQ_BYTES)
      const ip = asBytes(l[2], 'recipient-ip')
      if (ip.length !== 4 && ip.length !== 16) throw new RlpError('BAD_VALUE', `recipient-ip of ${ip.length} bytes`)
      const port = asInt(l[3], 'recipient-port', 2)
      return { type: 'PONG', reqId, enrSeq, ip: formatIp(ip), port }
    }
    case MessageType.FINDNODE: {
      exactly(l, 2, 'FINDNODE')
      const distances = asList(l[1], 'distances').map((d) => asInt(d, 'distance', 6))
      return { type: 'FINDNODE', reqId, distances }
    }
    case MessageType.NODES: {
      exactly(l, 3, 'NODES')
      const total = asInt(l[1], 'total', 4)
      const enrs = asList(l[2], 'ENRs').map((r) => encode(asList(r, 'ENR')))
      return { type: 'NODES', reqId, total, enrs }
    }
    case MessageType.TALKREQ:
      exactly(l, 3, 'TALKREQ')
      return { type: 'TALKREQ', reqId, protocol: asBytes(l[1], 'protocol'), request: asBytes(l[2], 'request') }
    case MessageType.TALKRESP:
      exactly(l, 2, 'TALKRESP')
      return { type: 'TALKRESP', reqId, response: asBytes(l[1], 'response') }
    default: {
      const topic = TOPIC_TYPES[type]
      if (topic === undefined) throw new WireError('UNKNOWN_MESSAGE_TYPE', `type 0x${type.toString(16)}`)
      return { type: topic, reqId }
    }
  }
}

/**
 * Decode message-type || RLP(message-data). Strict: exact element counts, canonical integers,
 * request-id of at most 8 bytes, PONG IP of 4 or 16 bytes, port of at most 16 bits.
 * Returned byte fields are views into `plaintext`. Never throws.
 */
export function decodeMessage(plaintext: Uint8Array): Result<Message, WireError> {
  if (plaintext.length < 2) return err(new WireError('BAD_MESSAGE', 'empty message'))
  const type = plaintext[0] as number
  try {
    return ok(decodeBody(type, plaintext.subarray(1)))
  } catch (e) {
    if (e instanceof WireError) return err(e)
    if (e instanceof RlpError) return err(new WireError('BAD_MESSAGE', e.message))
    throw e
  }
}
