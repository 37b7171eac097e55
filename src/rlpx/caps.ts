/**
 * Capability negotiation: which sub-protocols two peers share and where their message ids start.
 * Spec: devp2p rlpx.md#message-id-based-multiplexing; go-ethereum p2p/peer.go matchProtocols.
 * No I/O.
 * @module
 */
import { compareBytes, utf8 } from '../util/bytes.js'
import { BASE_PROTOCOL_LENGTH } from './p2p.js'

/** A capability as announced in Hello: name and version. */
export interface Capability {
  name: string
  version: number
}

/** A capability we run: how many message ids it needs (`length`). */
export interface ProtocolSpec extends Capability {
  length: number
}

/** A capability both sides share, with its first message id on this connection. */
export interface SharedCapability extends ProtocolSpec {
  /** First message id; the capability owns ids `offset .. offset + length - 1`. */
  offset: number
}

/**
 * Shared capabilities: equal name and version on both sides, the highest shared version per name,
 * sorted by name (byte order), ids assigned from 0x10 onward by each protocol's message count.
 */
export function matchCapabilities(local: readonly ProtocolSpec[], remote: readonly Capability[]): SharedCapability[] {
  const best = new Map<string, ProtocolSpec>()
  for (const r of remote) {
    for (const l of local) {
      if (l.name !== r.name || l.version !== r.version) continue
      const prev = best.get(l.name)
      if (!prev || prev.version < l.version) best.set(l.name, l)
    }
  }
  const names = [...best.keys()].sort((a, b) => compareBytes(utf8(a), utf8(b)))
  let offset = BASE_PROTOCOL_LENGTH
  return names.map((n) => {
    const p = best.get(n) as ProtocolSpec
    const s = { name: p.name, version: p.version, length: p.length, offset }
    offset += p.length
    return s
  })
}

/** The shared capability owning message id `code`, if any. */
export function capabilityForCode(shared: readonly SharedCapability[], code: number): SharedCapability | undefined {
  for (const c of shared) if (code >= c.offset && code < c.offset + c.length) return c
  return undefined
}
