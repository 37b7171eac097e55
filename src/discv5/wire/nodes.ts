/**
 * Splitting a FINDNODE answer into NODES messages that each fit one packet.
 * Spec: devp2p discv5/discv5-wire.md "UDP Communication" (NODES responses are sent as multiple
 * messages and give the total count) and "NODES Response".
 * @module
 */
import {
  GCM_TAG_SIZE,
  MASKING_IV_SIZE,
  MAX_PACKET_SIZE,
  MESSAGE_AUTHDATA_SIZE,
  STATIC_HEADER_SIZE,
} from './constants.js'
import { encodeMessage, type NodesMessage, type RequestId } from './messages.js'

/** Largest message plaintext that fits an ordinary message packet of {@link MAX_PACKET_SIZE}. */
export const MAX_MESSAGE_PLAINTEXT =
  MAX_PACKET_SIZE - MASKING_IV_SIZE - STATIC_HEADER_SIZE - MESSAGE_AUTHDATA_SIZE - GCM_TAG_SIZE

/**
 * Pack records (raw RLP) into as few NODES messages as fit, in order, each at most
 * {@link MAX_MESSAGE_PLAINTEXT} bytes encoded; `total` is the message count. No records still
 * gives one message (the requester waits for an answer). Throws RangeError for a record that
 * cannot fit a packet on its own.
 */
export function packNodes(reqId: RequestId, records: readonly Uint8Array[]): NodesMessage[] {
  const groups: Uint8Array[][] = [[]]
  for (const r of records) {
    const current = groups[groups.length - 1] as Uint8Array[]
    // `total` encodes in one byte for any realistic count; size with the largest one-byte value.
    const fits = (enrs: Uint8Array[]) =>
      encodeMessage({ type: 'NODES', reqId, total: 0x7f, enrs }).length <= MAX_MESSAGE_PLAINTEXT
    if (fits([...current, r])) current.push(r)
    else if (fits([r])) groups.push([r])
    else throw new RangeError(`record of ${r.length} bytes does not fit a NODES packet`)
  }
  return groups.map((enrs) => ({ type: 'NODES', reqId, total: groups.length, enrs }))
}
