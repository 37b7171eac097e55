import { logDistance } from '../crypto/nodeid.js'
import { BUCKET_SIZE } from './constants.js'

/**
 * The most nodes a routing table of `self` can hold from `others`: per log-distance bucket,
 * min(`perBucket`, others at that distance). With random ids about half of any network sits at
 * distance 256, so a table's fill is best judged against this, not against the network's size.
 */
export function tableCapacity(self: Uint8Array, others: Iterable<Uint8Array>, perBucket = BUCKET_SIZE): number {
  const per = new Map<number, number>()
  for (const id of others) {
    const d = logDistance(self, id)
    if (d > 0) per.set(d, (per.get(d) ?? 0) + 1)
  }
  let n = 0
  for (const c of per.values()) n += Math.min(perBucket, c)
  return n
}
