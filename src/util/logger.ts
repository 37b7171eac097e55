/** A small structured logger. Libraries log through an injected {@link Logger}; the default is silent. */

export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace'
const LEVELS: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3, trace: 4 }

export interface Logger {
  error(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  debug(msg: string, fields?: Record<string, unknown>): void
  trace(msg: string, fields?: Record<string, unknown>): void
  /** A logger that adds `fields` to every line. */
  child(fields: Record<string, unknown>): Logger
}

const noop = () => {}
/** Discards everything. */
export const silentLogger: Logger = {
  error: noop,
  warn: noop,
  info: noop,
  debug: noop,
  trace: noop,
  child: () => silentLogger,
}

function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex')
  if (typeof v === 'bigint') return v.toString()
  if (v instanceof Error) return v.message
  return v
}

/**
 * A logger writing to a stream: JSON lines when `json` (default: when the stream is not a TTY),
 * readable lines otherwise.
 */
export function createLogger(opts: {
  level?: LogLevel
  json?: boolean
  stream?: NodeJS.WritableStream & { isTTY?: boolean }
  fields?: Record<string, unknown>
}): Logger {
  const stream = opts.stream ?? process.stderr
  const json = opts.json ?? !stream.isTTY
  const max = LEVELS[opts.level ?? 'info']
  const base = opts.fields ?? {}
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] > max) return
    const all = { ...base, ...fields }
    if (json) {
      const o: Record<string, unknown> = { t: new Date().toISOString(), level, msg }
      for (const [k, v] of Object.entries(all)) o[k] = plain(v)
      stream.write(`${JSON.stringify(o)}\n`)
    } else {
      const kv = Object.entries(all)
        .map(([k, v]) => `${k}=${String(plain(v))}`)
        .join(' ')
      stream.write(
        `${new Date().toISOString().slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${msg}${kv ? ` ${kv}` : ''}\n`,
      )
    }
  }
  return {
    error: (m, f) => write('error', m, f),
    warn: (m, f) => write('warn', m, f),
    info: (m, f) => write('info', m, f),
    debug: (m, f) => write('debug', m, f),
    trace: (m, f) => write('trace', m, f),
    child: (fields) => createLogger({ ...opts, stream, json, fields: { ...base, ...fields } }),
  }
}
