// `--help` texts: the commands, the common flags, and every registered strategy with its options.
import type { StrategyRegistry } from '@metagen/orchestrator'
import { flagHelp, formatStrategyFlags } from './command-line.js'

/** The commands, one line each. */
export const commandSummaries: ReadonlyArray<[string, string]> = [
  [
    'solve "<question>" [--trace-out FILE] [--prompt]',
    'solve one question (--prompt: the argument is the raw prompt) and print the answer',
  ],
  [
    'eval [--data FILE|code] [--limit N] [--trace-out FILE]',
    'accuracy, tokens, calls and wall time of a strategy on a data set (default: the tinymath dev set; code: the JavaScript problems, solved when every test passes)',
  ],
  [
    'scale --out DIR [--strategies a,b] [--budgets 1,2,4,8,16]',
    'accuracy vs compute of several strategies at several budgets: table.md, table.json, plot.svg',
  ],
  [
    'trace FILE [--html OUT]',
    'draw a saved trace (solve or eval --trace-out FILE) as a tree, and as a self-contained HTML page',
  ],
  [
    'serve [--port N] [--model ID ...] [--api-key KEY]',
    'an OpenAI-compatible server over the models and strategies (metagen serve --help)',
  ],
  [
    'playground [--port N] [--model ID ...]',
    'the server with its web playground: pick a strategy, run it, watch the tree (prints the URL)',
  ],
  [
    'demo [--limit N]',
    'a few dev problems with several strategies on the embedded models; prints a table',
  ],
]

/** The full help text. With `strategyName`, only that strategy's options are listed. */
export function formatHelp(registry: StrategyRegistry, strategyName?: string): string {
  const lines: string[] = []
  if (strategyName !== undefined) {
    const definition = registry.get(strategyName)
    lines.push(
      `${definition.name} (${definition.package}): ${definition.description}`,
      '',
      'Options (flags):',
    )
    lines.push(...formatStrategyFlags(definition))
    return `${lines.join('\n')}\n`
  }
  lines.push(
    'metagen: inference-time algorithms (decoding, voting, best-of-N, search, refinement) on local and remote models',
    '',
  )
  lines.push(
    'Usage: metagen <command> [flags]   (from the repository root: pnpm metagen <command>)',
    '',
    'Commands:',
  )
  for (const [command, summary] of commandSummaries)
    lines.push(`  ${command.padEnd(60)} ${summary}`)
  lines.push('', 'Flags of solve, eval and scale:')
  for (const [flag, summary] of flagHelp) lines.push(`  ${flag.padEnd(22)} ${summary}`)
  lines.push(
    '',
    'Strategies (--strategy NAME; each option is a kebab-case flag, e.g. --beam-width 4; nested',
    'strategies take a name or JSON, e.g. --base \'{"strategy":"speculative"}\'; scorers: step-checker,',
    'verifier, logprob, judge, exact-answer, tests (runs JavaScript programs against the tests of',
    'the @metagen/execution problems)):',
  )
  for (const definition of registry.definitions) {
    lines.push('', `  ${definition.name} (${definition.package})`, `    ${definition.description}`)
    lines.push(...formatStrategyFlags(definition).map((line) => `  ${line}`))
  }
  lines.push(
    '',
    'Examples:',
    '  metagen solve "Ava has 23 apples. She buys 4 bags with 17 apples each. How many apples does Ava have now?"',
    '  metagen eval --model tinymath-draft --strategy self-consistency --n 8 --limit 50',
    '  metagen eval --model tinymath-draft --strategy best-of-n --n 8 --scorer step-checker --json',
    '  metagen scale --model tinymath-draft --limit 100 --out scale-out',
    '  metagen eval --data code --model openai:gpt-4o-mini --strategy self-debug --max-rounds 3',
  )
  return `${lines.join('\n')}\n`
}
