/**
 * Session secrets derived from a completed auth/ack exchange, and the initial egress/ingress
 * MAC states. Spec: devp2p rlpx.md ("Secrets generated following the exchange", "MAC").
 * No I/O.
 * @module
 */
import { KeccakState, keccak256 } from '../../crypto/keccak.js'
import { EcdhKey } from '../ecdh.js'

/** Everything the frame codec needs, plus the values the vectors check. */
export interface Secrets {
  /** Remote static public key (64 bytes) proven by the handshake. */
  remotePublicKey: Uint8Array
  /** `ephemeral-key`: x coordinate of ECDH between the two ephemeral keys. */
  ephemeralKey: Uint8Array
  /** `shared-secret = keccak256(ephemeral-key || keccak256(recipient-nonce || initiator-nonce))`. */
  sharedSecret: Uint8Array
  /** `aes-secret = keccak256(ephemeral-key || shared-secret)`: AES-256-CTR key of both directions. */
  aesSecret: Uint8Array
  /** `mac-secret = keccak256(ephemeral-key || aes-secret)`: AES-256 key of the MAC construction. */
  macSecret: Uint8Array
  /** Legacy session token, `keccak256(shared-secret)` (kept for the vectors). */
  token: Uint8Array
  /** Running MAC over what we send. */
  egressMac: KeccakState
  /** Running MAC over what we receive. */
  ingressMac: KeccakState
}

/** Inputs to {@link deriveSecrets}. `auth` and `ack` are the complete wire messages. */
export interface SecretInputs {
  /** True when we opened the connection (sent auth). */
  initiator: boolean
  ephemeralPrivateKey: Uint8Array | EcdhKey
  remoteEphemeralPublicKey: Uint8Array
  initiatorNonce: Uint8Array
  recipientNonce: Uint8Array
  auth: Uint8Array
  ack: Uint8Array
  remotePublicKey: Uint8Array
}

function xor32(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = (a[i] as number) ^ (b[i] as number)
  return out
}

/** Derive the session secrets and MAC states (throws KeyError for an invalid ephemeral key). */
export function deriveSecrets(i: SecretInputs): Secrets {
  const eph =
    i.ephemeralPrivateKey instanceof EcdhKey ? i.ephemeralPrivateKey : EcdhKey.fromPrivate(i.ephemeralPrivateKey)
  const ephemeralKey = eph.agree(i.remoteEphemeralPublicKey)
  const sharedSecret = keccak256(ephemeralKey, keccak256(i.recipientNonce, i.initiatorNonce))
  const aesSecret = keccak256(ephemeralKey, sharedSecret)
  const macSecret = keccak256(ephemeralKey, aesSecret)
  // Initiator: egress = (mac ^ recipient-nonce) || auth, ingress = (mac ^ initiator-nonce) || ack.
  const authMac = new KeccakState().update(xor32(macSecret, i.recipientNonce)).update(i.auth)
  const ackMac = new KeccakState().update(xor32(macSecret, i.initiatorNonce)).update(i.ack)
  return {
    remotePublicKey: i.remotePublicKey,
    ephemeralKey,
    sharedSecret,
    aesSecret,
    macSecret,
    token: keccak256(sharedSecret),
    egressMac: i.initiator ? authMac : ackMac,
    ingressMac: i.initiator ? ackMac : authMac,
  }
}
