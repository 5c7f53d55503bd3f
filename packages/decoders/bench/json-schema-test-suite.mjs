// Coverage of the JSON Schema compiler on the official JSON Schema Test Suite (draft 2020-12
// files: arrays of { description, schema, tests: [{ data, valid }] }), for the keyword groups
// that matter for generation. A schema is satisfiable when one of its tests is valid. Each
// satisfiable schema is compiled and sampled once (a seeded random walk over the tinymath
// tokenizer's masks, 200-token budget); the output is validated with ajv 2020-12 + formats.
// Prints per group and in total: satisfiable, valid outputs, refused (with reasons), invalid
// outputs (must be 0), and unsatisfiable schemas that produced an output (must be 0).
//
// The suite is not fetched (no network). Default: the committed extract of 9 groups
// (test/fixtures/json-schema-test-suite-extract, MIT, modified: see its README); or pass the
// suite's own draft 2020-12 folder.
// Usage (after `pnpm turbo run build --filter=@metagen/decoders...`):
//   node bench/json-schema-test-suite.mjs [--suite /path/to/JSON-Schema-Test-Suite/tests/draft2020-12]
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createRng } from '@metagen/core'
import { compileConstraint, createJsonSchemaConstraint } from '@metagen/decoders'
import { loadTokenizer } from '@metagen/onnx'
import { tinymathModelPaths } from '@metagen/tinymath'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'

const argument = (name) => {
  const index = process.argv.indexOf(`--${name}`)
  return index === -1 ? undefined : process.argv[index + 1]
}
const suite =
  argument('suite') ??
  new URL('../test/fixtures/json-schema-test-suite-extract', import.meta.url).pathname
if (!existsSync(suite)) {
  console.error('Invalid argument --suite: expected the folder of the draft 2020-12 test files')
  process.exit(2)
}

/** The generation-relevant groups (file names without `.json`) of issue 22. */
const groups = [
  'type',
  'enum',
  'const',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'prefixItems',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'minProperties',
  'maxProperties',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'pattern',
  'patternProperties',
  'propertyNames',
  'anyOf',
  'oneOf',
  'allOf',
  'not',
  'if-then-else',
  'ref',
  'defs',
  'uniqueItems',
  'contains',
  'dependentRequired',
  'boolean_schema',
]

const tokenizer = loadTokenizer({
  tokenizerPath: `${tinymathModelPaths['tinymath-generator']}/tokenizer.json`,
  eosTokenIds: [0],
  padTokenId: 0,
})

/** One seeded random walk over allowed tokens within `budget` text tokens; the text, or undefined. */
function sample(compiled, seed, budget) {
  const rng = createRng(seed)
  let state = compiled.initialState
  const ids = []
  for (let step = 0; step < budget; step++) {
    const allowed = compiled.allowedTokens(state, { remainingTokens: budget - step })
    if (allowed.length === 0) return undefined
    const eos = allowed.filter((token) => compiled.isEos(token))
    const pick =
      eos.length > 0 && rng.next() < 0.5 ? eos[0] : allowed[Math.floor(rng.next() * allowed.length)]
    if (compiled.isEos(pick)) return tokenizer.decode(ids)
    ids.push(pick)
    state = compiled.advance(state, pick)
  }
  // the budget counts text tokens: a text that is complete when it runs out ends there
  return compiled.isAccepting(state) ? tokenizer.decode(ids) : undefined
}

const available = new Set(readdirSync(suite).map((file) => file.replace(/\.json$/, '')))
const totals = {
  satisfiable: 0,
  valid: 0,
  refused: 0,
  invalid: 0,
  unsatisfiableProduced: 0,
  validatorErrors: 0,
}
const validatorErrors = []
const refusals = []
const invalid = []
const missing = []
console.log('group                   satisfiable  valid  refused  invalid  unsat-produced')
for (const group of groups) {
  if (!available.has(group)) {
    missing.push(group)
    continue
  }
  const cases = JSON.parse(readFileSync(join(suite, `${group}.json`), 'utf8'))
  const row = {
    satisfiable: 0,
    valid: 0,
    refused: 0,
    invalid: 0,
    unsatisfiableProduced: 0,
    validatorErrors: 0,
  }
  for (const entry of cases) {
    const satisfiable = entry.tests.some((test) => test.valid === true)
    const name = `${group}: ${entry.description}`
    if (satisfiable) row.satisfiable++
    let compiled
    try {
      compiled = compileConstraint(createJsonSchemaConstraint(entry.schema), tokenizer)
    } catch (error) {
      if (satisfiable) {
        row.refused++
        refusals.push(`${name}: ${String(error.message).slice(0, 200)}`)
      }
      continue
    }
    let text
    try {
      text = sample(compiled, 0, 200)
    } catch (error) {
      text = undefined
      if (satisfiable)
        refusals.push(`${name}: sampling failed: ${String(error.message).slice(0, 160)}`)
    }
    if (text === undefined) {
      if (satisfiable) row.refused++
      continue
    }
    const ajv = new Ajv2020({ strict: false, validateFormats: true })
    addFormats(ajv)
    let validate
    try {
      validate = ajv.compile(entry.schema)
    } catch (error) {
      row.validatorErrors++
      if (satisfiable) row.satisfiable--
      validatorErrors.push(
        `${name}: ajv cannot compile the schema: ${String(error.message).slice(0, 120)}`,
      )
      continue
    }
    let ok = false
    try {
      ok = validate(JSON.parse(text)) === true
    } catch {
      ok = false
    }
    if (ok && !satisfiable) {
      // the suite has no valid instance of it, but the output proves it satisfiable
      row.satisfiable++
      row.valid++
    } else if (ok) row.valid++
    else if (!satisfiable) {
      row.unsatisfiableProduced++
      invalid.push(`${name} (no valid instance in the suite): ${text}`)
    } else {
      row.invalid++
      invalid.push(`${name}: ${text}`)
    }
  }
  for (const key of Object.keys(totals)) totals[key] += row[key]
  console.log(
    `${group.padEnd(24)}${String(row.satisfiable).padStart(11)}${String(row.valid).padStart(7)}${String(row.refused).padStart(9)}${String(row.invalid).padStart(9)}${String(row.unsatisfiableProduced).padStart(16)}`,
  )
}
const percent = totals.satisfiable === 0 ? 0 : (100 * totals.valid) / totals.satisfiable
console.log(
  `\ntotal: ${totals.valid}/${totals.satisfiable} satisfiable schemas give a valid output (${percent.toFixed(1)}%), ${totals.refused} refused, ${totals.invalid} invalid outputs, ${totals.unsatisfiableProduced} unsatisfiable schemas produced an output`,
)
if (missing.length > 0) console.log(`groups not in ${suite}: ${missing.join(', ')}`)
if (refusals.length > 0) console.log(`refused:\n  ${refusals.join('\n  ')}`)
if (validatorErrors.length > 0)
  console.log(`not counted (ajv rejects the schema):\n  ${validatorErrors.join('\n  ')}`)
if (invalid.length > 0) console.log(`INVALID:\n  ${invalid.join('\n  ')}`)
process.exitCode = totals.invalid + totals.unsatisfiableProduced > 0 ? 1 : 0
