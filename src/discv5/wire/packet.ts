/**
 * Discovery v5 packet encoding and header masking: the three packet kinds (ordinary message,
 * WHOAREYOU, handshake message). Message payloads stay encrypted here; the session layer holds
 * the keys. Spec: devp2p discv5/discv5-wire.md#packet-encoding. Vectors: discv5-wire-test-vectors.md.
 * No I/O: the socket lives in ../service.ts.
 * @module
 */
import { createDecipheriv } from 'node:crypto'
import { bigintToBytes, bytesToBigint, padStart } from '../../util/bytes.js'
import { err, ok, type Result } from '../../util/result.js'
import {
  GCM_TAG_SIZE,
  HANDSHAKE_AUTHDATA_HEAD_SIZE,
  ID_NONCE_SIZE,
  KEY_SIZE,
  MASKING_IV_SIZE,
  MAX_PACKET_SIZE,
  MESSAGE_AUTHDATA_SIZE,
  MIN_PACKET_SIZE,
  NODE_ID_SIZE,
  NONCE_SIZE,
  PROTOCOL_ID,
  PROTOCOL_VERSION,
  STATIC_HEADER_SIZE,
  WHOAREYOU_AUTHDATA_SIZE,
} from './constants.js'
import { aesGcmEncrypt, type HeaderMasker, maskHeader } from './crypto.js'
import { WireError } from './errors.js'

/** Packet flag of an ordinary message packet. */
export const FLAG_MESSAGE = 0
/** Packet flag of a WHOAREYOU packet. */
export const FLAG_WHOAREYOU = 1
/** Packet flag of a handshake message packet. */
export const FLAG_HANDSHAKE = 2

const HEADER_START = MASKING_IV_SIZE
const AUTHDATA_START = MASKING_IV_SIZE + STATIC_HEADER_SIZE

interface PacketBase {
  /** First 16 bytes of the packet, the AES-CTR IV of the masked header. */
  maskingIv: Uint8Array
  /** 12-byte nonce from the static header. */
  nonce: Uint8Array
}

/** A decoded ordinary message packet (flag 0). The message is still encrypted. */
export interface MessagePacket extends PacketBase {
  kind: 'message'
  srcId: Uint8Array
  /** message-ad = masking-iv || unmasked header: the GCM additional data. */
  messageAd: Uint8Array
  /** AES-GCM ciphertext || tag. */
  message: Uint8Array
}

/** A decoded WHOAREYOU packet (flag 1). */
export interface WhoareyouPacket extends PacketBase {
  kind: 'whoareyou'
  idNonce: Uint8Array
  /** Highest ENR sequence number of ours the challenger knows (0: none). */
  enrSeq: bigint
  /** challenge-data = masking-iv || static-header || authdata, the HKDF salt. */
  challengeData: Uint8Array
}

/** A decoded handshake message packet (flag 2). The message is still encrypted. */
export interface HandshakePacket extends PacketBase {
  kind: 'handshake'
  srcId: Uint8Array
  idSignature: Uint8Array
  ephemeralPublicKey: Uint8Array
  /** The sender's ENR as raw RLP, when it included one (decoded and verified by the session layer). */
  record?: Uint8Array
  messageAd: Uint8Array
  message: Uint8Array
}

/** Any decoded packet. */
export type Packet = MessagePacket | WhoareyouPacket | HandshakePacket

/** What goes into the encrypted part of a message or handshake packet. */
export type MessageBody =
  /** Encrypt `plaintext` (message-type || RLP) under `key`. */
  | { key: Uint8Array; plaintext: Uint8Array }
  /** Bytes sent as they are: the random content that starts a handshake. */
  | { raw: Uint8Array }

/** A packet to encode. */
export type OutgoingPacket =
  | { kind: 'message'; srcId: Uint8Array; nonce: Uint8Array; body: MessageBody }
  | { kind: 'whoareyou'; nonce: Uint8Array; idNonce: Uint8Array; enrSeq: bigint }
  | {
      kind: 'handshake'
      srcId: Uint8Array
      nonce: Uint8Array
      idSignature: Uint8Array
      ephemeralPublicKey: Uint8Array
      record?: Uint8Array
      body: MessageBody
    }

function staticHeader(flag: number, nonce: Uint8Array, authSize: number, out: Uint8Array): void {
  out.set(PROTOCOL_ID, 0)
  out[6] = PROTOCOL_VERSION >> 8
  out[7] = PROTOCOL_VERSION & 0xff
  out[8] = flag
  out.set(nonce, 9)
  out[21] = authSize >> 8
  out[22] = authSize & 0xff
}

function authdataOf(p: OutgoingPacket): { flag: number; authdata: Uint8Array } {
  switch (p.kind) {
    case 'message':
      return { flag: FLAG_MESSAGE, authdata: p.srcId }
    case 'whoareyou': {
      const a = new Uint8Array(WHOAREYOU_AUTHDATA_SIZE)
      a.set(p.idNonce, 0)
      a.set(padStart(bigintToBytes(p.enrSeq), 8), ID_NONCE_SIZE)
      return { flag: FLAG_WHOAREYOU, authdata: a }
    }
    case 'handshake': {
      const sig = p.idSignature
      const eph = p.ephemeralPublicKey
      const rec = p.record ?? new Uint8Array(0)
      if (sig.length > 255 || eph.length > 255) throw new RangeError('handshake signature or key over 255 bytes')
      const a = new Uint8Array(HANDSHAKE_AUTHDATA_HEAD_SIZE + sig.length + eph.length + rec.length)
      a.set(p.srcId, 0)
      a[32] = sig.length
      a[33] = eph.length
      a.set(sig, HANDSHAKE_AUTHDATA_HEAD_SIZE)
      a.set(eph, HANDSHAKE_AUTHDATA_HEAD_SIZE + sig.length)
      a.set(rec, HANDSHAKE_AUTHDATA_HEAD_SIZE + sig.length + eph.length)
      return { flag: FLAG_HANDSHAKE, authdata: a }
    }
  }
}

function checkOutgoing(p: OutgoingPacket, maskingIv: Uint8Array): void {
  if (maskingIv.length !== MASKING_IV_SIZE) throw new RangeError('masking-iv must be 16 bytes')
  if (p.nonce.length !== NONCE_SIZE) throw new RangeError('nonce must be 12 bytes')
  if (p.kind === 'whoareyou') {
    if (p.idNonce.length !== ID_NONCE_SIZE) throw new RangeError('id-nonce must be 16 bytes')
    if (p.enrSeq < 0n || p.enrSeq >= 1n << 64n) throw new RangeError('enr-seq must be a uint64')
  } else if (p.srcId.length !== NODE_ID_SIZE) throw new RangeError('src-id must be 32 bytes')
}

/**
 * Encode a packet for `destId`. Returns the datagram and the unmasked `masking-iv || header`
 * (for WHOAREYOU this is the challenge-data a handshake answers). Throws {@link WireError}
 * `TOO_LARGE` when the packet would exceed {@link MAX_PACKET_SIZE}, RangeError on bad field sizes.
 * `masker`, if given, must be a {@link HeaderMasker} for `destId` (saves a cipher per packet).
 */
export function encodePacketWithHeader(
  destId: Uint8Array,
  p: OutgoingPacket,
  maskingIv: Uint8Array,
  masker?: HeaderMasker,
): { packet: Uint8Array; header: Uint8Array } {
  checkOutgoing(p, maskingIv)
  const { flag, authdata } = authdataOf(p)
  const headerLen = MASKING_IV_SIZE + STATIC_HEADER_SIZE + authdata.length
  const bodyLen =
    p.kind === 'whoareyou' ? 0 : 'raw' in p.body ? p.body.raw.length : p.body.plaintext.length + GCM_TAG_SIZE
  if (headerLen + bodyLen > MAX_PACKET_SIZE)
    throw new WireError('TOO_LARGE', `packet of ${headerLen + bodyLen} bytes over ${MAX_PACKET_SIZE}`)
  // header = masking-iv || static-header || authdata, unmasked: also the GCM additional data.
  const header = new Uint8Array(headerLen)
  header.set(maskingIv, 0)
  staticHeader(flag, p.nonce, authdata.length, header.subarray(HEADER_START))
  header.set(authdata, AUTHDATA_START)
  const out = new Uint8Array(headerLen + bodyLen)
  out.set(maskingIv, 0)
  const plainHeader = header.subarray(HEADER_START)
  out.set(masker ? masker.apply(maskingIv, plainHeader) : maskHeader(destId, maskingIv, plainHeader), HEADER_START)
  if (p.kind !== 'whoareyou') {
    const body = 'raw' in p.body ? p.body.raw : aesGcmEncrypt(p.body.key, p.nonce, p.body.plaintext, header)
    out.set(body, headerLen)
  }
  return { packet: out, header }
}

/** Encode a packet for `destId` with the given masking IV. See {@link encodePacketWithHeader}. */
export function encodePacket(
  destId: Uint8Array,
  p: OutgoingPacket,
  maskingIv: Uint8Array,
  masker?: HeaderMasker,
): Uint8Array {
  return encodePacketWithHeader(destId, p, maskingIv, masker).packet
}

/**
 * Decode a datagram addressed to `localId`: unmask and check the header, split the authdata.
 * The message stays encrypted (see {@link MessagePacket.message}). Never throws.
 * `masker`, if given, must be a {@link HeaderMasker} for `localId` (saves a cipher per packet).
 */
export function decodePacket(localId: Uint8Array, data: Uint8Array, masker?: HeaderMasker): Result<Packet, WireError> {
  if (data.length < MIN_PACKET_SIZE) return err(new WireError('TOO_SHORT', `${data.length} bytes`))
  if (data.length > MAX_PACKET_SIZE) return err(new WireError('TOO_LARGE', `${data.length} bytes`))
  const maskingIv = data.subarray(0, MASKING_IV_SIZE)
  const ctr = masker ? undefined : createDecipheriv('aes-128-ctr', localId.subarray(0, KEY_SIZE), maskingIv)
  const masked = data.subarray(HEADER_START, AUTHDATA_START)
  const sh = ctr ? ctr.update(masked) : (masker as HeaderMasker).apply(maskingIv, masked)
  for (let i = 0; i < PROTOCOL_ID.length; i++)
    if (sh[i] !== PROTOCOL_ID[i]) return err(new WireError('BAD_PROTOCOL_ID'))
  const version = ((sh[6] as number) << 8) | (sh[7] as number)
  if (version !== PROTOCOL_VERSION) return err(new WireError('BAD_VERSION', `version ${version}`))
  const flag = sh[8] as number
  if (flag > FLAG_HANDSHAKE) return err(new WireError('BAD_FLAG', `flag ${flag}`))
  const authSize = ((sh[21] as number) << 8) | (sh[22] as number)
  const remaining = data.length - AUTHDATA_START
  if (authSize > remaining) return err(new WireError('AUTH_SIZE', `authdata of ${authSize} bytes past the end`))
  const headerEnd = AUTHDATA_START + authSize
  if (flag !== FLAG_WHOAREYOU && data.length - headerEnd < GCM_TAG_SIZE)
    return err(new WireError('MSG_TOO_SHORT', 'no room for the message tag'))

  // Unmasked masking-iv || static-header || authdata: GCM additional data or challenge-data.
  const header = new Uint8Array(headerEnd)
  header.set(maskingIv, 0)
  header.set(sh, HEADER_START)
  const maskedAuth = data.subarray(AUTHDATA_START, headerEnd)
  header.set(
    ctr ? ctr.update(maskedAuth) : (masker as HeaderMasker).apply(maskingIv, maskedAuth, STATIC_HEADER_SIZE),
    AUTHDATA_START,
  )
  const nonce = header.subarray(HEADER_START + 9, HEADER_START + 9 + NONCE_SIZE)
  const authdata = header.subarray(AUTHDATA_START)
  const iv = header.subarray(0, MASKING_IV_SIZE)
  const message = data.subarray(headerEnd)

  if (flag === FLAG_MESSAGE) {
    if (authSize !== MESSAGE_AUTHDATA_SIZE) return err(new WireError('AUTH_SIZE', `message authdata of ${authSize}`))
    return ok({ kind: 'message', maskingIv: iv, nonce, srcId: authdata, messageAd: header, message })
  }
  if (flag === FLAG_WHOAREYOU) {
    if (authSize !== WHOAREYOU_AUTHDATA_SIZE)
      return err(new WireError('AUTH_SIZE', `WHOAREYOU authdata of ${authSize}`))
    if (message.length !== 0) return err(new WireError('WHOAREYOU_HAS_MESSAGE', `${message.length} bytes`))
    return ok({
      kind: 'whoareyou',
      maskingIv: iv,
      nonce,
      idNonce: authdata.subarray(0, ID_NONCE_SIZE),
      enrSeq: bytesToBigint(authdata.subarray(ID_NONCE_SIZE)),
      challengeData: header,
    })
  }
  if (authSize < HANDSHAKE_AUTHDATA_HEAD_SIZE)
    return err(new WireError('AUTH_SIZE', `handshake authdata of ${authSize}`))
  const sigSize = authdata[32] as number
  const keySize = authdata[33] as number
  const recordStart = HANDSHAKE_AUTHDATA_HEAD_SIZE + sigSize + keySize
  if (recordStart > authSize)
    return err(new WireError('BAD_HANDSHAKE_AUTHDATA', `sig-size ${sigSize} + eph-key-size ${keySize} past authdata`))
  const record = authdata.subarray(recordStart)
  return ok({
    kind: 'handshake',
    maskingIv: iv,
    nonce,
    srcId: authdata.subarray(0, NODE_ID_SIZE),
    idSignature: authdata.subarray(HANDSHAKE_AUTHDATA_HEAD_SIZE, HANDSHAKE_AUTHDATA_HEAD_SIZE + sigSize),
    ephemeralPublicKey: authdata.subarray(HANDSHAKE_AUTHDATA_HEAD_SIZE + sigSize, recordStart),
    ...(record.length > 0 ? { record } : {}),
    messageAd: header,
    message,
  })
}
