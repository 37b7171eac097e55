/**
 * Gossip through js-libp2p's gossipsub, the consensus-layer way (consensus-specs phase0/altair
 * p2p-interface.md "The gossip domain: gossipsub"): messages unsigned (StrictNoSign), payloads
 * snappy-compressed in the block format (not the framing format), and the message id a hash of
 * the topic and the decompressed payload. Decompression checks the announced size before it
 * allocates (snappy bombs are rejected as invalid messages).
 * @module
 */
import './polyfill.js'
import { createHash } from 'node:crypto'
import {
  type GossipSub,
  type GossipsubMessage,
  type GossipsubOpts,
  type Message,
  StrictNoSign,
} from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { snappyCompress, snappyDecompress } from '../rlpx/snappy.js'
import type { Logger } from '../util/logger.js'
import { MAX_PAYLOAD_SIZE, maxCompressedLength } from './constants.js'

/** Largest decompressed gossip payload. consensus-specs MAX_PAYLOAD_SIZE (GOSSIP_MAX_SIZE before Fulu). */
export const GOSSIP_MAX_SIZE = MAX_PAYLOAD_SIZE
/** Message-id domain for payloads that decompress. consensus-specs phase0 MESSAGE_DOMAIN_VALID_SNAPPY. */
export const MESSAGE_DOMAIN_VALID_SNAPPY = Uint8Array.of(0x01, 0x00, 0x00, 0x00)
/** Message ids are the first 20 bytes of the SHA-256. consensus-specs phase0 "message-id". */
export const MESSAGE_ID_SIZE = 20
/** Topics a node subscribes to at once. BOUNDED by configuration; 512 exceeds Eth2's ~150 (64 attnets x forks). */
export const MAX_GOSSIP_TOPICS = 512

/**
 * The Altair message id: SHA-256(MESSAGE_DOMAIN_VALID_SNAPPY | uint64_le(len(topic)) | topic |
 * decompressed payload)[:20]. consensus-specs altair/p2p-interface.md "Topics and messages".
 */
export function eth2MessageId(topic: string, decompressed: Uint8Array): Uint8Array {
  const t = Buffer.from(topic, 'utf8')
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(BigInt(t.length))
  return createHash('sha256')
    .update(MESSAGE_DOMAIN_VALID_SNAPPY)
    .update(len)
    .update(t)
    .update(decompressed)
    .digest()
    .subarray(0, MESSAGE_ID_SIZE)
}

/** A message-id function over the topic and the decompressed payload. */
export type MessageIdFn = (topic: string, data: Uint8Array) => Uint8Array

/** Options of the gossip layer. */
export interface GossipOptions {
  /** Message id; default {@link eth2MessageId}. */
  messageId?: MessageIdFn
  /** Largest decompressed payload; default {@link GOSSIP_MAX_SIZE}. */
  maxSize?: number
  /** Gossipsub settings passed through (e.g. `heartbeatInterval` in tests, `D`, score params). */
  gossipsub?: Partial<GossipsubOpts>
}

/** The gossipsub options implementing {@link GossipOptions}. */
export function gossipsubOptions(o: GossipOptions = {}): Partial<GossipsubOpts> {
  const maxSize = o.maxSize ?? GOSSIP_MAX_SIZE
  const messageId = o.messageId ?? eth2MessageId
  return {
    globalSignaturePolicy: StrictNoSign,
    allowPublishToZeroTopicPeers: true,
    ignoreDuplicatePublishError: true,
    maxInboundDataLength: maxCompressedLength(maxSize) + 1024,
    dataTransform: {
      inboundTransform(_topic, data) {
        const r = snappyDecompress(data, maxSize)
        if (!r.ok) throw r.error
        return r.value
      },
      outboundTransform(_topic, data) {
        if (data.length > maxSize) throw new RangeError(`gossip payload of ${data.length} bytes over ${maxSize}`)
        return snappyCompress(data)
      },
    },
    msgIdFn: (msg: Message) => messageId(msg.topic, msg.data),
    ...o.gossipsub,
  }
}

/** A received gossip message. `from` is the peer that relayed it (messages are unsigned). */
export type GossipHandler = (data: Uint8Array, topic: string, from: PeerId) => void

/** Subscribe and publish on topics with plain (uncompressed) payloads. */
export class Gossip {
  /** BOUNDED: MAX_GOSSIP_TOPICS, refused beyond. */
  private readonly handlers = new Map<string, GossipHandler>()
  private readonly onMessage = (evt: CustomEvent<GossipsubMessage>) => {
    const { msg, propagationSource } = evt.detail
    const h = this.handlers.get(msg.topic)
    if (!h) return
    try {
      h(msg.data, msg.topic, propagationSource)
    } catch (e) {
      this.log.warn('gossip handler failed', { topic: msg.topic, error: e })
    }
  }

  constructor(
    readonly pubsub: GossipSub,
    private readonly log: Logger,
  ) {
    pubsub.addEventListener('gossipsub:message', this.onMessage)
  }

  /** Subscribe to `topic`; `handler` receives each new message's decompressed payload. */
  subscribe(topic: string, handler: GossipHandler): void {
    if (!this.handlers.has(topic) && this.handlers.size >= MAX_GOSSIP_TOPICS)
      throw new RangeError(`at most ${MAX_GOSSIP_TOPICS} gossip topics`)
    this.handlers.set(topic, handler)
    this.pubsub.subscribe(topic)
  }

  /** Leave `topic`. */
  unsubscribe(topic: string): void {
    this.handlers.delete(topic)
    this.pubsub.unsubscribe(topic)
  }

  /** Topics subscribed. */
  get topics(): string[] {
    return [...this.handlers.keys()]
  }

  /** Peers known to be subscribed to `topic`. */
  peers(topic: string): PeerId[] {
    return this.pubsub.getSubscribers(topic)
  }

  /** Publish `data` (compressed on the way out); resolves with the number of peers it was sent to. */
  async publish(topic: string, data: Uint8Array): Promise<number> {
    const r = await this.pubsub.publish(topic, data)
    return r.recipients.length
  }

  /** Stop listening (the node stops gossipsub itself). */
  close(): void {
    this.pubsub.removeEventListener('gossipsub:message', this.onMessage)
    this.handlers.clear()
  }
}
