/** Reading keys given on the command line or in files. */
import { readFileSync } from 'node:fs'
import { fromHex, HexError, isValidPrivateKey } from '../index.js'
import { CliError } from './args.js'

/** Parse a 64-hex private key (optional 0x); a clear CliError otherwise. */
export function parsePrivateKeyHex(text: string, flag = 'key'): Uint8Array {
  const hex = text.trim()
  let key: Uint8Array
  try {
    key = fromHex(hex)
  } catch (e) {
    if (e instanceof HexError) throw new CliError(`--${flag}: ${e.message}`)
    throw e
  }
  if (key.length !== 32) throw new CliError(`--${flag} must be 32 bytes (64 hex digits), got ${key.length} bytes`)
  if (!isValidPrivateKey(key)) throw new CliError(`--${flag} is not a valid secp256k1 private key`)
  return key
}

/** `--key HEX` or `--keyfile FILE` (a file holding the hex key). */
export function keyFromFlags(values: { key?: string; keyfile?: string }): Uint8Array | undefined {
  if (values.key !== undefined && values.keyfile !== undefined) throw new CliError('give --key or --keyfile, not both')
  if (values.key !== undefined) return parsePrivateKeyHex(values.key)
  if (values.keyfile !== undefined) {
    let text: string
    try {
      text = readFileSync(values.keyfile, 'utf8')
    } catch (e) {
      throw new CliError(`cannot read --keyfile ${values.keyfile}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`)
    }
    return parsePrivateKeyHex(text, 'keyfile')
  }
  return undefined
}
