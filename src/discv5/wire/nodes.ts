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
import { type NodesMessage, nodesMessageSize, type RequestId } from './messages.js'

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
  // `total` encodes in one byte for any realistic count; size with the largest one-byte value.
  const fits = (recordBytes: number) => nodesMessageSize(reqId, 0x7f, recordBytes) <= MAX_MESSAGE_PLAINTEXT
  const groups: Uint8Array[][] = [[]]
  let bytes = 0
  for (const r of records) {
    const current = groups[groups.length - 1] as Uint8Array[]
    if (fits(bytes + r.length)) {
      current.push(r)
      bytes += r.length
    } else if (fits(r.length)) {
      groups.push([r])
      bytes = r.length
    } else throw new RangeError(`record of ${r.length} bytes does not fit a NODES packet`)
  }
  return groups.map((enrs) => ({ type: 'NODES', reqId, total: groups.length, enrs }))
}
