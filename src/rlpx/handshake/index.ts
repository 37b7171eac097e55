/**
 * RLPx handshake codec (layer 2, no I/O): auth/ack messages, both sides' state, session secrets.
 * Spec: devp2p rlpx.md#initial-handshake and EIP-8.
 * @module
 */
export {
  type HandshakeKeys,
  type HandshakeStep,
  InitiatorHandshake,
  type RecipientDone,
  RecipientHandshake,
} from './handshake.js'
export {
  type AckMessage,
  type AuthMessage,
  type BuildOptions,
  decodeAckEip8Body,
  decodeAckLegacyBody,
  decodeAuthEip8Body,
  decodeAuthLegacyBody,
  EIP8_MIN_PADDING,
  encodeAckEip8,
  encodeAckLegacyBody,
  encodeAuthEip8,
  encodeAuthLegacyBody,
  HANDSHAKE_MAX_SIZE,
  HANDSHAKE_VERSION,
  HandshakeError,
  type HandshakeErrorCode,
  type HandshakeFormat,
  LEGACY_ACK_SIZE,
  LEGACY_AUTH_SIZE,
  type ReadStep,
  readAck,
  readAuth,
  sealEip8,
} from './messages.js'
export { deriveSecrets, type SecretInputs, type Secrets } from './secrets.js'
