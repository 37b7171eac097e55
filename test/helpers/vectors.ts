import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Root of the copied official vectors (test/vectors in the source tree). */
export const VECTORS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'vectors')

export function loadVector<T = unknown>(relPath: string): T {
  return JSON.parse(readFileSync(join(VECTORS_DIR, relPath), 'utf8')) as T
}

export function readVectorText(relPath: string): string {
  return readFileSync(join(VECTORS_DIR, relPath), 'utf8')
}
