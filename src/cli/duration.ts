/** Durations on the command line: `500ms`, `30s`, `5m`, `1h`, or a bare number of seconds. */
import { CliError } from './args.js'

const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const

/** Parse a duration into milliseconds (1 ms .. 24 h); {@link CliError} naming `--flag` when malformed. */
export function parseDuration(text: string, flag = 'timeout'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim())
  if (!m) throw new CliError(`--${flag} must be a duration like 500ms, 5s or 2m, got '${text}'`)
  const ms = Number(m[1]) * UNITS[(m[2] ?? 's') as keyof typeof UNITS]
  if (ms < 1 || ms > 24 * 3_600_000) throw new CliError(`--${flag} must be between 1ms and 24h`)
  return Math.round(ms)
}
