// JSON Schema coverage on the committed corpus (test/fixtures/json-schema-corpus.json: draft
// 2020-12 keyword groups, drafts 04/06/07, function-call and GitHub-like schemas), with the real
// tinymath tokenizer: every schema either compiles or is refused with an InvalidArgumentError;
// every compiled schema is sampled by random walks over its token masks under a token budget,
// and every output must validate with ajv (+ ajv-formats). Unsatisfiable schemas must never
// produce an output.
import { readFileSync } from 'node:fs'
import { createRng, InvalidArgumentError, type Tokenizer } from '@metagen/core'
import { loadTokenizer } from '@metagen/onnx'
import { tinymathModelPaths } from '@metagen/tinymath'
import { Ajv } from 'ajv'
import { Ajv2020 } from 'ajv/dist/2020.js'
import AjvDraft04 from 'ajv-draft-04'
import addFormats from 'ajv-formats'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  ConstraintError,
  compileConstraint,
  createJsonSchemaConstraint,
  type TokenConstraint,
} from '../src/constrained/index.js'

interface CorpusEntry {
  id: string
  group: string
  satisfiable: boolean
  schema: boolean | Record<string, unknown>
}

const corpus = JSON.parse(
  readFileSync(new URL('./fixtures/json-schema-corpus.json', import.meta.url), 'utf8'),
) as CorpusEntry[]

let tokenizer: Tokenizer

beforeAll(() => {
  const folder = tinymathModelPaths['tinymath-generator']
  tokenizer = loadTokenizer({
    tokenizerPath: `${folder}/tokenizer.json`,
    eosTokenIds: [0],
    padTokenId: 0,
  })
})

/** A validator for the schema's draft (ajv with formats, strict mode off for vendor keywords). */
function validatorFor(schema: CorpusEntry['schema']): (value: unknown) => boolean {
  const draft = typeof schema === 'object' ? String(schema.$schema ?? '') : ''
  const options = { strict: false, allErrors: false, validateFormats: true }
  // biome-ignore lint/suspicious/noExplicitAny: the three ajv classes share this shape
  let ajv: any
  if (draft.includes('draft-04')) ajv = new (AjvDraft04 as unknown as typeof Ajv)(options)
  else if (draft.includes('draft-0'))
    ajv = new Ajv(options) // drafts 06 and 07 (06 validated as 07)
  else ajv = new Ajv2020(options)
  ;(addFormats as unknown as (ajv: unknown) => void)(ajv)
  const copy =
    typeof schema === 'object' && draft.includes('draft-06')
      ? { ...schema, $schema: undefined }
      : schema
  const validate = ajv.compile(copy)
  return (value) => validate(value) === true
}

/** One random walk over allowed tokens (uniform), within `budget` tokens; returns the text. */
function sample(compiled: TokenConstraint, seed: number, budget: number): string {
  const rng = createRng(seed)
  let state = compiled.initialState
  const ids: number[] = []
  for (let step = 0; step < budget; step++) {
    const allowed = compiled.allowedTokens(state, { remainingTokens: budget - step })
    // Prefer ending once possible half the time, so outputs stay short.
    const eos = allowed.filter((token) => compiled.isEos(token))
    const pick =
      eos.length > 0 && rng.next() < 0.5
        ? (eos[0] as number)
        : (allowed[Math.floor(rng.next() * allowed.length)] as number)
    if (compiled.isEos(pick)) return tokenizer.decode(ids)
    ids.push(pick)
    state = compiled.advance(state, pick)
  }
  if (!compiled.isAccepting(state)) throw new Error('walk ended before acceptance')
  return tokenizer.decode(ids)
}

describe('JSON Schema corpus (coverage and soundness with ajv)', () => {
  it('gives valid outputs for at least 90% of satisfiable schemas and no invalid output', () => {
    const refused: string[] = []
    const invalid: string[] = []
    let valid = 0
    let samples = 0
    for (const entry of corpus) {
      let compiled: TokenConstraint
      try {
        compiled = compileConstraint(createJsonSchemaConstraint(entry.schema), tokenizer)
      } catch (error) {
        expect(
          error instanceof InvalidArgumentError || error instanceof ConstraintError,
          `${entry.id}: ${(error as Error).message}`,
        ).toBe(true)
        if (entry.satisfiable)
          refused.push(`${entry.id}: ${(error as Error).message.slice(0, 160)}`)
        continue
      }
      const validate = validatorFor(entry.schema)
      let allValid = true
      for (let seed = 0; seed < 4; seed++) {
        const text = sample(compiled, seed, 200)
        samples++
        let ok = false
        try {
          ok = validate(JSON.parse(text))
        } catch {
          ok = false
        }
        if (!ok) {
          allValid = false
          invalid.push(`${entry.id}: ${text}`)
        }
      }
      expect(entry.satisfiable, `${entry.id} is unsatisfiable but produced output`).toBe(true)
      if (allValid) valid++
    }
    const satisfiable = corpus.filter((entry) => entry.satisfiable).length
    console.log(
      `JSON Schema corpus: ${valid}/${satisfiable} satisfiable schemas give valid outputs ` +
        `(${((100 * valid) / satisfiable).toFixed(1)}%), ${samples} samples, ${invalid.length} invalid; ` +
        `${corpus.length - satisfiable} unsatisfiable schemas all refused.\nRefused:\n  ${refused.join('\n  ')}`,
    )
    expect(invalid).toEqual([])
    expect(valid / satisfiable).toBeGreaterThanOrEqual(0.9)
  })
})
