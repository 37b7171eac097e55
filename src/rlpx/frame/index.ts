/**
 * RLPx frame codec (layer 2, no I/O): encryption, running MACs, streaming decoder.
 * Spec: devp2p rlpx.md#framing.
 * @module
 */
export {
  FrameError,
  type FrameErrorCode,
  FrameReader,
  type FrameReaderOptions,
  type FrameSecrets,
  FrameWriter,
  frameWireSize,
  HEADER_SIZE,
  MAX_FRAME_SIZE,
  PIECES_FROM,
  paddedSize,
} from './frame.js'
export { MAC_SIZE, type MacHash, RunningMac } from './mac.js'
