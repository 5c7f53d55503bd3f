// Our grammar engine vs xgrammar (`@mlc-ai/web-xgrammar`, xgrammar compiled to WASM) on the
// same JSON schemas and the same tokenizer (tinymath, 512 tokens, byte-level BPE). xgrammar is
// NOT a dependency of the repo: install it in a scratch folder and pass the path of its bundle.
// For every satisfiable schema of test/fixtures/json-schema-corpus.json it counts what each
// engine compiles or refuses, times the compile (schema -> first mask), and runs one seeded
// random walk (uniform over allowed tokens, ending when EOS is allowed with probability 1/2,
// at most 256 tokens) timing one mask + one advance per token; a walk that ends is checked
// with ajv (strict off, formats on), so "compiled" is not mistaken for "enforced".
// Measured on a shared 2-core machine: wall-clock times include waits for a core.
//
// Usage (after `pnpm turbo run build --filter=@metagen/decoders...`):
//   mkdir -p /tmp/xg && cd /tmp/xg && npm init -y && npm install @mlc-ai/web-xgrammar@0.1.27
//   node bench/xgrammar-compare.mjs --xgrammar /tmp/xg/node_modules/@mlc-ai/web-xgrammar/lib/index.js
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { loadavg } from 'node:os'
import { pathToFileURL } from 'node:url'
import { createRng } from '@metagen/core'
import { compileConstraint, createJsonSchemaConstraint } from '@metagen/decoders'
import { loadTokenizer } from '@metagen/onnx'
import { tinymathModelPaths } from '@metagen/tinymath'
import Ajv from 'ajv'
import Ajv2020 from 'ajv/dist/2020.js'
import AjvDraft04 from 'ajv-draft-04'
import addFormats from 'ajv-formats'

const index = process.argv.indexOf('--xgrammar')
const bundle = index === -1 ? undefined : process.argv[index + 1]
if (!bundle) throw new Error('--xgrammar: expected the path of web-xgrammar lib/index.js')

const corpus = JSON.parse(
  readFileSync(new URL('../test/fixtures/json-schema-corpus.json', import.meta.url), 'utf8'),
).filter((entry) => entry.satisfiable)
const tokenizerPath = `${tinymathModelPaths['tinymath-generator']}/tokenizer.json`
const tokenizer = loadTokenizer({ tokenizerPath, eosTokenIds: [0], padTokenId: 0 })
const vocabulary = JSON.parse(readFileSync(tokenizerPath, 'utf8')).model.vocab
const encodedVocab = []
for (const [piece, id] of Object.entries(vocabulary)) encodedVocab[id] = piece
const MAX_TOKENS = 256

// The 0.1.27 bundle is UMD but its package.json says "type": "module": Node 20 loads it as ESM,
// where the Emscripten loader's `require`/`__filename` do not exist and the UMD wrapper finds no
// `exports`, so it attaches to `globalThis.xgrammar`. These two globals are the shim it needs.
globalThis.require = createRequire(import.meta.url)
globalThis.__filename = bundle
let loadMs = performance.now()
await import(pathToFileURL(bundle).href)
const xg = globalThis.xgrammar
const tokenizerInfo = await xg.TokenizerInfo.createTokenizerInfo(
  encodedVocab,
  'BYTE_LEVEL',
  false,
  encodedVocab.length,
  [0],
)
const xgCompiler = await xg.GrammarCompiler.createGrammarCompiler(tokenizerInfo, false)
loadMs = performance.now() - loadMs

function validatorFor(schema) {
  const draft = typeof schema === 'object' ? String(schema.$schema ?? '') : ''
  const options = { strict: false, allErrors: false, validateFormats: true }
  let ajv
  if (draft.includes('draft-04')) ajv = new AjvDraft04(options)
  else if (draft.includes('draft-0')) ajv = new Ajv(options)
  else ajv = new Ajv2020(options)
  addFormats(ajv)
  const copy =
    typeof schema === 'object' && draft.includes('draft-06')
      ? { ...schema, $schema: undefined }
      : schema
  const validate = ajv.compile(copy)
  return (value) => validate(value) === true
}

/** Checks a finished walk: the decoded text parses as JSON and ajv accepts it. */
function check(entry, ids) {
  try {
    return validatorFor(entry.schema)(JSON.parse(tokenizer.decode(ids)))
  } catch {
    return false
  }
}

function pickToken(rng, allowed, eosAllowed) {
  if (eosAllowed && rng.next() < 0.5) return 0
  return allowed[Math.floor(rng.next() * allowed.length)]
}

async function runXgrammar(entry, seed) {
  const start = performance.now()
  const compiled = await xgCompiler.compileJSONSchema(JSON.stringify(entry.schema), false)
  const matcher = await xg.GrammarMatcher.createGrammarMatcher(compiled)
  let bitmask = await matcher.getNextTokenBitmask()
  const compileMs = performance.now() - start
  const rng = createRng(seed)
  const times = []
  const ids = []
  let ended = false
  for (let step = 0; step < MAX_TOKENS; step++) {
    const tokenStart = performance.now()
    if (step > 0) bitmask = await matcher.getNextTokenBitmask()
    let elapsed = performance.now() - tokenStart
    const allowed = []
    for (let token = 1; token < encodedVocab.length; token++) {
      if ((bitmask[token >> 5] >>> (token & 31)) & 1) allowed.push(token)
    }
    const eosAllowed = ((bitmask[0] >>> 0) & 1) === 1
    if (allowed.length === 0 && !eosAllowed) break
    const token = allowed.length === 0 ? 0 : pickToken(rng, allowed, eosAllowed)
    const advanceStart = performance.now()
    if (!matcher.acceptToken(token)) throw new Error(`xgrammar refused its own token ${token}`)
    elapsed += performance.now() - advanceStart
    times.push(elapsed)
    if (token === 0) {
      ended = true
      break
    }
    ids.push(token)
  }
  matcher.dispose()
  compiled.dispose()
  return { compileMs, times, ended, valid: ended && check(entry, ids) }
}

function runOurs(entry, seed) {
  const start = performance.now()
  const compiled = compileConstraint(createJsonSchemaConstraint(entry.schema), tokenizer)
  const logits = new Float32Array(tokenizer.vocabSize)
  compiled.maskLogits(compiled.initialState, logits, { remainingTokens: MAX_TOKENS })
  const compileMs = performance.now() - start
  const rng = createRng(seed)
  const times = []
  const ids = []
  let state = compiled.initialState
  let ended = false
  for (let step = 0; step < MAX_TOKENS; step++) {
    logits.fill(0)
    const tokenStart = performance.now()
    compiled.maskLogits(state, logits, { remainingTokens: MAX_TOKENS - step })
    let elapsed = performance.now() - tokenStart
    const allowed = []
    for (let token = 1; token < logits.length; token++) if (logits[token] === 0) allowed.push(token)
    const eosAllowed = logits[0] === 0
    const token = allowed.length === 0 ? 0 : pickToken(rng, allowed, eosAllowed)
    if (token === 0) {
      times.push(elapsed)
      ended = true
      break
    }
    const advanceStart = performance.now()
    state = compiled.advance(state, token)
    elapsed += performance.now() - advanceStart
    times.push(elapsed)
    ids.push(token)
  }
  return { compileMs, times, ended, valid: ended && check(entry, ids) }
}

function percentile(values, fraction) {
  const sorted = [...values].sort((left, right) => left - right)
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN
}

// Warm both (our token trie is built once per tokenizer; xgrammar's first compile pays setup).
compileConstraint(createJsonSchemaConstraint({ type: 'integer' }), tokenizer)
await xgCompiler.compileJSONSchema('{"type":"integer"}', false)

console.log(
  `load average at start: ${loadavg()
    .map((value) => value.toFixed(1))
    .join(' ')}`,
)
console.log(`xgrammar: bundle + tokenizer info + compiler in ${loadMs.toFixed(0)} ms`)
const engines = {
  xgrammar: { compiled: 0, refused: [], compile: [], tokens: [], ended: 0, valid: 0, invalid: [] },
  ours: { compiled: 0, refused: [], compile: [], tokens: [], ended: 0, valid: 0, invalid: [] },
}
for (const [seed, entry] of corpus.entries()) {
  for (const [name, run] of [
    ['xgrammar', runXgrammar],
    ['ours', runOurs],
  ]) {
    const row = engines[name]
    let result
    try {
      result = await run(entry, seed)
    } catch (error) {
      row.refused.push(
        `${entry.id}: ${String(error?.message ?? error)
          .split('\n')[0]
          .slice(0, 140)}`,
      )
      continue
    }
    row.compiled++
    row.compile.push(result.compileMs)
    row.tokens.push(...result.times)
    if (result.ended) row.ended++
    if (result.valid) row.valid++
    else if (result.ended) row.invalid.push(entry.id)
  }
}
const fixed = (value, digits = 3) => value.toFixed(digits)
console.log(
  `\n${corpus.length} satisfiable schemas of the corpus, tinymath tokenizer (${encodedVocab.length} tokens)`,
)
console.log(
  'engine     compiled  refused  compile p50 ms  max ms  mask+advance p50 ms  p99 ms  tokens  walks ended  valid  invalid',
)
for (const [name, row] of Object.entries(engines)) {
  console.log(
    `${name.padEnd(11)}${String(row.compiled).padStart(8)}${String(row.refused.length).padStart(9)}${fixed(percentile(row.compile, 0.5), 2).padStart(16)}${fixed(Math.max(...row.compile), 1).padStart(8)}${fixed(percentile(row.tokens, 0.5)).padStart(21)}${fixed(percentile(row.tokens, 0.99)).padStart(8)}${String(row.tokens.length).padStart(8)}${String(row.ended).padStart(13)}${String(row.valid).padStart(7)}${String(row.invalid.length).padStart(9)}`,
  )
}
for (const [name, row] of Object.entries(engines)) {
  if (row.refused.length > 0) console.log(`\n${name} refused:\n  ${row.refused.join('\n  ')}`)
  if (row.invalid.length > 0)
    console.log(`\n${name} ended walks rejected by ajv:\n  ${row.invalid.join('\n  ')}`)
}
console.log(
  `\nload average at end: ${loadavg()
    .map((value) => value.toFixed(1))
    .join(' ')}`,
)
