/**
 * The two sides of the RLPx handshake as small state holders: feed them the bytes received so
 * far, get back "need N bytes", the reply to send and the session secrets, or a typed error.
 *
 * Spec: devp2p rlpx.md#initial-handshake, EIP-8. We always send EIP-8; we accept EIP-8 and legacy
 * messages, and answer a legacy auth with a legacy ack (as go-ethereum did while it accepted
 * them). No I/O: the socket lives in ../connection.ts.
 * @module
 */
import {
  decompressPublicKey,
  KeyError,
  randomBytesArray,
  recoverPublicKey,
  signRecoverable,
} from '../../crypto/secp256k1.js'
import { err, ok, type Result } from '../../util/result.js'
import { EcdhKey } from '../ecdh.js'
import { eciesEncrypt } from '../ecies.js'
import {
  type AckMessage,
  type AuthMessage,
  type BuildOptions,
  encodeAckEip8,
  encodeAckLegacyBody,
  encodeAuthEip8,
  HandshakeError,
  type HandshakeFormat,
  legacyHashMatches,
  readAck,
  readAuth,
} from './messages.js'
import { deriveSecrets, type Secrets } from './secrets.js'

/** Result of feeding received bytes to a handshake side. */
export type HandshakeStep =
  | { kind: 'need'; total: number }
  | {
      kind: 'done'
      secrets: Secrets
      /** Bytes of the input taken by the handshake message; the rest are frames. */
      consumed: number
      /** Format of the message the remote side sent. */
      remoteFormat: HandshakeFormat
      /** Version field the remote side sent (ignored otherwise, as rlpx.md asks). */
      remoteVersion: number
    }

/** Keys and randomness for one handshake; random when omitted (tests fix them). */
export interface HandshakeKeys {
  privateKey: Uint8Array
  /** `privateKey` already set up for ECDH (saves one scalar multiplication per handshake). */
  staticKey?: EcdhKey
  ephemeralPrivateKey?: Uint8Array
  nonce?: Uint8Array
}

function xor32(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = (a[i] as number) ^ (b[i] as number)
  return out
}

function keyError(code: 'BAD_KEY' | 'BAD_SIGNATURE', e: unknown): HandshakeError {
  if (e instanceof KeyError) return new HandshakeError(code, e.message)
  throw e
}

/** The side that opened the TCP connection: sends auth, reads ack. */
export class InitiatorHandshake {
  /** The auth message to send first (EIP-8 form). */
  readonly auth: Uint8Array
  /** The 64-byte public key of the node we meant to reach. */
  readonly remotePublicKey: Uint8Array
  private readonly key: EcdhKey
  private readonly ephemeral: EcdhKey
  private readonly nonce: Uint8Array

  /** Throws KeyError when `remotePublicKey` is not a valid secp256k1 key. */
  constructor(keys: HandshakeKeys & { remotePublicKey: Uint8Array }, build: BuildOptions = {}) {
    this.key = keys.staticKey ?? EcdhKey.fromPrivate(keys.privateKey)
    this.remotePublicKey = decompressPublicKey(keys.remotePublicKey)
    this.ephemeral = keys.ephemeralPrivateKey ? EcdhKey.fromPrivate(keys.ephemeralPrivateKey) : EcdhKey.generate()
    this.nonce = keys.nonce ?? randomBytesArray(32)
    const staticShared = this.key.agree(this.remotePublicKey)
    const signature = signRecoverable(xor32(staticShared, this.nonce), this.ephemeral.privateKey)
    this.auth = encodeAuthEip8(
      this.remotePublicKey,
      { signature, publicKey: this.key.publicKey, nonce: this.nonce },
      build,
    )
  }

  /** Feed the bytes received so far (the ack, possibly followed by frames). */
  onData(buf: Uint8Array): Result<HandshakeStep, HandshakeError> {
    const r = readAck(this.key, buf)
    if (!r.ok) return r
    if (r.value.kind === 'need') return ok(r.value)
    const { message, wire, consumed } = r.value
    return this.finish(message, wire, consumed)
  }

  private finish(ack: AckMessage, wire: Uint8Array, consumed: number): Result<HandshakeStep, HandshakeError> {
    try {
      const secrets = deriveSecrets({
        initiator: true,
        ephemeralPrivateKey: this.ephemeral,
        remoteEphemeralPublicKey: ack.ephemeralPublicKey,
        initiatorNonce: this.nonce,
        recipientNonce: ack.nonce,
        auth: this.auth,
        ack: wire,
        remotePublicKey: this.remotePublicKey,
      })
      return ok({ kind: 'done', secrets, consumed, remoteFormat: ack.format, remoteVersion: ack.version })
    } catch (e) {
      return err(keyError('BAD_KEY', e))
    }
  }
}

/** What the recipient learns from a valid auth, and the ack it answers with. */
export interface RecipientDone {
  /** The ack to send (EIP-8 for an EIP-8 auth, legacy for a legacy auth). */
  ack: Uint8Array
  auth: AuthMessage
}

/** The side that accepted the TCP connection: reads auth, answers with ack. */
export class RecipientHandshake {
  private readonly key: EcdhKey
  private readonly ephemeral: EcdhKey
  private readonly nonce: Uint8Array
  private readonly build: BuildOptions
  /** Set once the auth has been read. */
  done?: RecipientDone

  constructor(keys: HandshakeKeys, build: BuildOptions = {}) {
    this.key = keys.staticKey ?? EcdhKey.fromPrivate(keys.privateKey)
    this.ephemeral = keys.ephemeralPrivateKey ? EcdhKey.fromPrivate(keys.ephemeralPrivateKey) : EcdhKey.generate()
    this.nonce = keys.nonce ?? randomBytesArray(32)
    this.build = build
  }

  /**
   * Feed the bytes received so far. When done, send `this.done.ack` before any frame; `secrets`
   * are ready at once (the recipient may send its Hello right after the ack).
   */
  onData(buf: Uint8Array): Result<HandshakeStep, HandshakeError> {
    const r = readAuth(this.key, buf)
    if (!r.ok) return r
    if (r.value.kind === 'need') return ok(r.value)
    const { message: auth, wire, consumed } = r.value
    let remotePublicKey: Uint8Array
    let staticShared: Uint8Array
    try {
      remotePublicKey = decompressPublicKey(auth.initiatorPublicKey)
      staticShared = this.key.agree(remotePublicKey)
    } catch (e) {
      return err(keyError('BAD_KEY', e))
    }
    let remoteEphemeral: Uint8Array
    try {
      remoteEphemeral = recoverPublicKey(xor32(staticShared, auth.nonce), auth.signature).subarray(1)
    } catch (e) {
      return err(keyError('BAD_SIGNATURE', e))
    }
    if (!legacyHashMatches(auth, remoteEphemeral))
      return err(new HandshakeError('BAD_SIGNATURE', 'legacy auth: ephemeral key hash mismatch'))
    const fields = { ephemeralPublicKey: this.ephemeral.publicKey, nonce: this.nonce }
    const ack =
      auth.format === 'legacy'
        ? eciesEncrypt(remotePublicKey, encodeAckLegacyBody(fields), undefined, this.build.ecies)
        : encodeAckEip8(remotePublicKey, fields, this.build)
    try {
      const secrets = deriveSecrets({
        initiator: false,
        ephemeralPrivateKey: this.ephemeral,
        remoteEphemeralPublicKey: remoteEphemeral,
        initiatorNonce: auth.nonce,
        recipientNonce: this.nonce,
        auth: wire,
        ack,
        remotePublicKey,
      })
      this.done = { ack, auth }
      return ok({ kind: 'done', secrets, consumed, remoteFormat: auth.format, remoteVersion: auth.version })
    } catch (e) {
      return err(keyError('BAD_KEY', e))
    }
  }
}
