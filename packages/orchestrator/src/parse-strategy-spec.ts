// Strategy specs as text: JSON or YAML documents (a strategy name alone is a spec too).
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { InvalidArgumentError } from '@metagen/core'
import type { StrategySpec } from './strategy.js'

/**
 * Parses a spec written in JSON or YAML (JSON is YAML). A document that is a bare string is
 * the spec `{ strategy: <string> }`. The result is NOT validated: pass it to the registry's
 * `validate`. Throws {@link InvalidArgumentError} naming `source` on a syntax error or a
 * document that is not an object.
 *
 * ```yaml
 * strategy: weighted-vote
 * n: 16
 * scorer: verifier
 * base:
 *   strategy: speculative
 *   draft: tinymath-draft
 * ```
 */
export function parseStrategySpec(text: string, source = 'strategy spec'): StrategySpec {
  let value: unknown
  try {
    value = parseJsonOrYaml(text)
  } catch (error) {
    throw new InvalidArgumentError({
      argument: source,
      expected: `a JSON or YAML strategy spec (${(error as Error).message.split('\n')[0]})`,
      received: text.length > 60 ? `${text.slice(0, 57)}...` : text,
      cause: error,
    })
  }
  if (typeof value === 'string') return { strategy: value }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError({
      argument: source,
      expected: 'a strategy spec object with a "strategy" field',
      received: value,
    })
  }
  return value as StrategySpec
}

const require = createRequire(import.meta.url)
let yamlParse: ((text: string) => unknown) | undefined

/**
 * JSON first (most specs, and every spec the server receives); the YAML parser is loaded only
 * for text that is not JSON, so importing the orchestrator does not load it.
 */
function parseJsonOrYaml(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    yamlParse ??= (require('yaml') as { parse: (text: string) => unknown }).parse
    return yamlParse(text)
  }
}

/** Reads and parses a spec file (`.json`, `.yaml` or `.yml`; the content decides). */
export async function loadStrategySpec(path: string): Promise<StrategySpec> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new InvalidArgumentError({
      argument: '--strategy-file',
      expected: 'a readable JSON or YAML file',
      received: path,
      cause: error,
    })
  }
  return parseStrategySpec(text, path)
}
