/** Shared argument handling for the `eth-p2p` commands: one clear line and exit code 2 on misuse. */
import { type ParseArgsConfig, parseArgs } from 'node:util'

/** A usage error: printed as one line on stderr, exit code 2, no stack trace. */
export class CliError extends Error {
  override name = 'CliError'
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message)
  }
}

/** A command of the CLI. `run` resolves to the process exit code. */
export interface Command {
  name: string
  summary: string
  /** Full help text, printed by `--help`. */
  usage: string
  run(argv: string[]): Promise<number>
  /** Set by {@link group}: the command handles `--help` of its sub-commands itself. */
  readonly isGroup?: boolean
}

/** A command made of sub-commands (`eth-p2p key generate`). */
export function group(name: string, summary: string, subs: Command[]): Command {
  const usage = [
    `Usage: eth-p2p ${name} <command> [options]`,
    '',
    summary,
    '',
    'Commands:',
    ...subs.map((s) => `  ${s.name.padEnd(14)} ${s.summary}`),
    '',
    `Run 'eth-p2p ${name} <command> --help' for a command's options.`,
  ].join('\n')
  return {
    name,
    summary,
    usage,
    isGroup: true,
    async run(argv) {
      const [sub, ...rest] = argv
      if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
        process.stdout.write(`${usage}\n`)
        return sub === undefined ? 2 : 0
      }
      const cmd = subs.find((s) => s.name === sub)
      if (!cmd) throw new CliError(`unknown command 'eth-p2p ${name} ${sub}' (see 'eth-p2p ${name} --help')`)
      return runCommand(cmd, rest)
    },
  }
}

/** Run a command, answering `--help` / `-h` with its usage. */
export async function runCommand(cmd: Command, argv: string[]): Promise<number> {
  const help = cmd.isGroup ? argv[0] === '--help' || argv[0] === '-h' : argv.includes('--help') || argv.includes('-h')
  if (help) {
    process.stdout.write(`${cmd.usage}\n`)
    return 0
  }
  return cmd.run(argv)
}

type Options = NonNullable<ParseArgsConfig['options']>

/** The parsed values of a flag table. */
export type FlagValues<O extends Options> = {
  [K in keyof O]?: O[K] extends { type: 'boolean' }
    ? O[K] extends { multiple: true }
      ? boolean[]
      : boolean
    : O[K] extends { multiple: true }
      ? string[]
      : string
}

/** Parse flags strictly; unknown flags and missing values become a {@link CliError}. */
export function parseFlags<const O extends Options>(
  argv: string[],
  options: O,
  allowPositionals = false,
): { values: FlagValues<O>; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options, allowPositionals, strict: true })
    return { values: r.values as FlagValues<O>, positionals: r.positionals }
  } catch (e) {
    throw new CliError((e as Error).message.split('\n')[0] ?? 'bad arguments')
  }
}

/** A required string flag. */
export function required(value: string | boolean | undefined, flag: string): string {
  if (typeof value !== 'string' || value === '') throw new CliError(`missing required option --${flag}`)
  return value
}

/** A TCP/UDP port flag (0–65535). */
export function portFlag(value: string | undefined, flag: string, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new CliError(`missing required option --${flag}`)
    return fallback
  }
  const n = Number(value)
  if (!/^\d+$/.test(value) || n > 65535) throw new CliError(`--${flag} must be a port number 0-65535, got '${value}'`)
  return n
}

/** Print one JSON object as one line on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`)
}
