/** Checking the record of an ENRRESPONSE (EIP-868): it must verify and be signed by the sender's key. @module */
import { decompressPublicKey } from '../crypto/secp256k1.js'
import { Enr } from '../enr/index.js'
import { equalBytes } from '../util/bytes.js'
import { err, ok, type Result } from '../util/result.js'
import { Discv4Error } from './errors.js'

/** Decode `record` (RLP) and check that its signature verifies and its key is `senderKey` (64 bytes). */
export function verifyRecord(record: Uint8Array, senderKey: Uint8Array): Result<Enr, Discv4Error> {
  const r = Enr.tryDecode(record)
  if (!r.ok) return err(new Discv4Error('BAD_RECORD', r.error.message))
  let key: Uint8Array | undefined
  try {
    key = decompressPublicKey(r.value.publicKey)
  } catch {
    key = undefined
  }
  if (!key || !equalBytes(key, senderKey)) return err(new Discv4Error('BAD_RECORD', 'signed by another key'))
  return ok(r.value)
}
