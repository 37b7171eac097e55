export { asBigint, asBytes, asFixed, asInt, asList, asText } from './fields.js'
export type { RlpErrorCode, RlpInput, RlpItem } from './rlp.js'
export { decode, decodePrefix, encode, encodeListOf, itemSize, RLP_MAX_DEPTH, RlpError } from './rlp.js'
