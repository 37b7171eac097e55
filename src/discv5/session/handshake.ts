/**
 * The cryptographic halves of the discv5 handshake, as pure functions for {@link Sessions}:
 * building our handshake packet in answer to a WHOAREYOU, and verifying a peer's.
 * Spec: devp2p discv5/discv5-theory.md#handshake-steps (steps 3 and 4).
 * @module
 */
import { isValidPrivateKey, KeyError, publicKeyCompressed } from '../../crypto/index.js'
import { Enr } from '../../enr/index.js'
import { equalBytes } from '../../util/bytes.js'
import { err, ok, type Result } from '../../util/result.js'
import {
  aesGcmDecrypt,
  deriveKeysAsInitiator,
  deriveKeysAsRecipient,
  encodePacket,
  type HandshakePacket,
  idSign,
  idVerify,
  MASKING_IV_SIZE,
  NONCE_SIZE,
  type SessionKeys,
  V4_EPH_KEY_SIZE,
  V4_SIGNATURE_SIZE,
  type WhoareyouPacket,
  WireError,
} from '../wire/index.js'
import type { DiscardReason, NodeContact, RequestFailure, SessionRandom } from './types.js'

/** Our side of the handshake. */
export interface LocalIdentity {
  privateKey: Uint8Array
  nodeId: Uint8Array
  enr: Enr
}

/** A random valid secp256k1 private key from the injected randomness. */
export function ephemeralKey(random: SessionRandom): Uint8Array {
  for (;;) {
    const k = random.bytes(32).slice(0, 32)
    if (isValidPrivateKey(k)) return k
  }
}

/**
 * Step 3: answer `challenge` from `contact` with a handshake packet carrying `plaintext`.
 * Includes our record when the challenge's enr-seq is older than ours.
 */
export function buildHandshake(
  local: LocalIdentity,
  contact: NodeContact,
  challenge: WhoareyouPacket,
  plaintext: Uint8Array,
  random: SessionRandom,
): Result<{ data: Uint8Array; nonce: Uint8Array; keys: SessionKeys }, RequestFailure> {
  const eph = ephemeralKey(random)
  const ephemeralPublicKey = publicKeyCompressed(eph)
  let keys: SessionKeys
  try {
    keys = deriveKeysAsInitiator(eph, contact.publicKey, challenge.challengeData, local.nodeId, contact.nodeId)
  } catch (e) {
    if (e instanceof KeyError) return err('bad-public-key')
    throw e
  }
  const idSignature = idSign(local.privateKey, challenge.challengeData, ephemeralPublicKey, contact.nodeId)
  const nonce = random.bytes(NONCE_SIZE)
  try {
    const data = encodePacket(
      contact.nodeId,
      {
        kind: 'handshake',
        srcId: local.nodeId,
        nonce,
        idSignature,
        ephemeralPublicKey,
        ...(challenge.enrSeq < local.enr.seq && { record: local.enr.encode() }),
        body: { key: keys.initiatorKey, plaintext },
      },
      random.bytes(MASKING_IV_SIZE),
    )
    return ok({ data, nonce, keys })
  } catch (e) {
    if (e instanceof WireError) return err('too-large')
    throw e
  }
}

/** Why a handshake packet was refused. */
export interface HandshakeRejection {
  reason: DiscardReason
  detail?: string
}

/**
 * Step 4: check a peer's handshake against the challenge we sent (`challengeData`, and the
 * record we knew then), derive the keys and decrypt its message.
 */
export function verifyHandshake(
  local: LocalIdentity,
  p: HandshakePacket,
  challengeData: Uint8Array,
  knownEnr: Enr | undefined,
): Result<{ keys: SessionKeys; enr: Enr; plaintext: Uint8Array }, HandshakeRejection> {
  if (p.idSignature.length !== V4_SIGNATURE_SIZE || p.ephemeralPublicKey.length !== V4_EPH_KEY_SIZE)
    return err({ reason: 'bad-handshake', detail: 'not identity scheme v4 sizes' })
  let enr = knownEnr
  if (p.record) {
    const d = Enr.tryDecode(p.record)
    if (!d.ok) return err({ reason: 'bad-record', detail: d.error.code })
    if (!equalBytes(d.value.nodeId, p.srcId)) return err({ reason: 'bad-record', detail: 'record of another node' })
    if (!enr || d.value.seq > enr.seq) enr = d.value
  }
  if (!enr) return err({ reason: 'no-record' })
  if (!idVerify(enr.publicKey, p.idSignature, challengeData, p.ephemeralPublicKey, local.nodeId))
    return err({ reason: 'bad-id-signature' })
  let keys: SessionKeys
  try {
    keys = deriveKeysAsRecipient(local.privateKey, p.ephemeralPublicKey, challengeData, p.srcId, local.nodeId)
  } catch (e) {
    if (e instanceof KeyError) return err({ reason: 'bad-handshake', detail: 'invalid ephemeral key' })
    throw e
  }
  const plaintext = aesGcmDecrypt(keys.initiatorKey, p.nonce, p.message, p.messageAd)
  if (!plaintext) return err({ reason: 'decrypt-failed' })
  return ok({ keys, enr, plaintext })
}
