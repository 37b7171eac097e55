/** The `eth-p2p` command line. Each command lives in ./commands and uses only the public API. */
import { CliError, type Command, runCommand } from './args.js'

/** Commands, loaded on demand so that `eth-p2p key generate` does not load the networking stack. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  key: {
    summary: 'generate keys; derive enode URLs and ENRs',
    load: async () => (await import('./commands/key.js')).default,
  },
  devnet: {
    summary: 'run a local network with a live dashboard',
    load: async () => (await import('./commands/devnet.js')).default,
  },
  node: {
    summary: 'run a node (RLPx, discovery, eth)',
    load: async () => (await import('./commands/node.js')).default,
  },
  enr: { summary: 'decode and inspect node records', load: async () => (await import('./commands/enr.js')).default },
  rlpx: {
    summary: 'dial RLPx nodes and print their Hello',
    load: async () => (await import('./commands/rlpx.js')).default,
  },
  discv4: {
    summary: 'Node Discovery v4: ping, requestenr, resolve, crawl',
    load: async () => (await import('./commands/discv4.js')).default,
  },
  discv5: {
    summary: 'Node Discovery v5: ping, resolve, crawl, listen',
    load: async () => (await import('./commands/discv5.js')).default,
  },
}

function usage(): string {
  return [
    'Usage: eth-p2p <command> [options]',
    '',
    "Ethereum's peer-to-peer networking stack: keys, ENRs, RLPx, discovery v4/v5.",
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`),
    '',
    "Run 'eth-p2p <command> --help' for details.",
  ].join('\n')
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`)
    return name === undefined ? 2 : 0
  }
  const entry = COMMANDS[name]
  if (!entry) throw new CliError(`unknown command '${name}' (see 'eth-p2p --help')`)
  return runCommand(await entry.load(), rest)
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (e: unknown) => {
    if (e instanceof CliError) {
      process.stderr.write(`eth-p2p: ${e.message}\n`)
      process.exitCode = e.exitCode
    } else {
      process.stderr.write(`eth-p2p: ${e instanceof Error ? e.message : String(e)}\n`)
      if (process.env.ETH_P2P_DEBUG) console.error(e)
      process.exitCode = 1
    }
  },
)
