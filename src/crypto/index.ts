export { KeccakState, keccak256 } from './keccak.js'
export {
  compareDistance,
  logDistance,
  type NodeId,
  nodeIdFromPublicKey,
  nodeIdHex,
  randomNodeIdAtDistance,
  xorDistance,
} from './nodeid.js'
export {
  compressPublicKey,
  decompressPublicKey,
  ecdhCompressed,
  ecdhX,
  generatePrivateKey,
  isValidPrivateKey,
  KeyError,
  parsePublicKey,
  publicKey64,
  publicKeyCompressed,
  randomBytesArray,
  recoverPublicKey,
  secp256k1Backend,
  sign,
  signRecoverable,
  verify,
} from './secp256k1.js'
