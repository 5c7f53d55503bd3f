// Mask benchmark of the grammar engine (in the spirit of MaskBench): for JSON schemas of the
// test corpus and two text grammars, on the tinymath vocabulary (512 tokens, real tokenizer) and
// synthetic byte-level vocabularies of 32k and 150k tokens, prints the compile time per schema
// (schema -> grammar -> first mask) and the p50/p99 time per token of a mask (with the token
// budget, as in decoding) plus the parser advance, over seeded random walks. Baseline in the
// same process: the unconstrained per-token decode time of tinymath-generator (greedy,
// sampleSequences); the ratio mask p50 / step time says whether masking slows decoding. A second
// baseline in the same process: the same walks with the plain parser walk of the token trie
// (`closureWalk: false`), so the p99 ratio shows what the cached terminal-local closure saves.
// Measured on a shared machine: absolute times vary with load.
//
// Usage (after `pnpm turbo run build --filter=@metagen/decoders...`):
//   node bench/grammar-masks.bench.mjs               # all vocabularies
//   node bench/grammar-masks.bench.mjs --vocab 32k   # one of tinymath, 32k, 150k
import { readFileSync } from 'node:fs'
import { createRng } from '@metagen/core'
import {
  compileConstraint,
  createGrammarConstraint,
  createGrammarTokenMachine,
  createJsonSchemaConstraint,
  sampleSequences,
} from '@metagen/decoders'
import { loadOnnxTokenModel, loadTokenizer } from '@metagen/onnx'
import { formatPrompt, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`)
  return index === -1 ? fallback : process.argv[index + 1]
}
const only = argument('vocab', 'all')

const corpus = JSON.parse(
  readFileSync(new URL('../test/fixtures/json-schema-corpus.json', import.meta.url), 'utf8'),
)
const schemaIds = [
  'function-call/get_weather',
  'function-call/create_invoice',
  'function-call/schedule_meeting',
  'github-like/draft-04 definitions',
  'github-like/package manifest',
  'github-like/discriminated events',
  '2020-12/ref-defs/recursive tree',
  '2020-12/type/object',
]
const constraints = [
  ...schemaIds.map((id) => {
    const entry = corpus.find((item) => item.id === id)
    if (!entry) throw new Error(`missing corpus entry ${id}`)
    return { name: id, make: () => createJsonSchemaConstraint(entry.schema) }
  }),
  {
    name: 'gbnf arithmetic',
    make: () =>
      createGrammarConstraint(
        'root ::= expr\nexpr ::= term (("+" | "-" | "*") term)*\nterm ::= [0-9]+ | "(" expr ")"',
      ),
  },
  {
    name: 'lark nested lists',
    make: () =>
      createGrammarConstraint(
        'start: list\nlist: "[" [item ("," item)*] "]"\nitem: SIGNED_NUMBER | ESCAPED_STRING | list\n%import common.SIGNED_NUMBER\n%import common.ESCAPED_STRING\n%ignore " "',
        { syntax: 'lark' },
      ),
  },
]

/**
 * A synthetic byte-level vocabulary: the 256 single bytes, then seeded pieces shaped like BPE
 * merges of English, code and JSON (words with and without a leading space, digit runs,
 * punctuation clusters such as `":"` or `},{`, indentation, multi-byte characters).
 */
function syntheticTokenizer(size, seed) {
  const rng = createRng(seed)
  const encoder = new TextEncoder()
  const letters = 'etaoinshrdlcumwfgypbvkjxqz'
  const pick = (text) => text[Math.floor(rng.next() ** 1.7 * text.length)]
  const punctuation = [
    '"',
    ':',
    ',',
    '{',
    '}',
    '[',
    ']',
    '"',
    '.',
    '_',
    '-',
    '/',
    '(',
    ')',
    ' ',
    '\n',
  ]
  const seen = new Set()
  const bytes = [new Uint8Array(0)]
  for (let byte = 0; byte < 256; byte++) {
    bytes.push(Uint8Array.of(byte))
    seen.add(String.fromCharCode(byte))
  }
  while (bytes.length < size) {
    const kind = rng.next()
    let piece = ''
    if (kind < 0.6) {
      const length = 2 + Math.floor(rng.next() * 8)
      for (let index = 0; index < length; index++) piece += pick(letters)
      if (rng.next() < 0.5) piece = ` ${piece}`
      if (rng.next() < 0.15) piece = piece[0].toUpperCase() + piece.slice(1)
    } else if (kind < 0.7) {
      const length = 1 + Math.floor(rng.next() * 3)
      for (let index = 0; index < length; index++) piece += String(Math.floor(rng.next() * 10))
    } else if (kind < 0.9) {
      const length = 2 + Math.floor(rng.next() * 3)
      for (let index = 0; index < length; index++) {
        piece += punctuation[Math.floor(rng.next() * punctuation.length)]
      }
      if (rng.next() < 0.3) piece += pick(letters) + pick(letters)
    } else if (kind < 0.95) {
      piece = ' '.repeat(2 + Math.floor(rng.next() * 8))
    } else {
      piece = String.fromCodePoint(0xc0 + Math.floor(rng.next() * 0x2000))
      if (rng.next() < 0.5) piece += pick(letters)
    }
    if (seen.has(piece)) continue
    seen.add(piece)
    bytes.push(encoder.encode(piece))
  }
  const decoder = new TextDecoder()
  return {
    vocabSize: bytes.length,
    eosTokenIds: [0],
    padTokenId: 0,
    specialTokenIds: [0],
    tokenBytes: () => bytes,
    encode: () => {
      throw new Error('not needed by the benchmark')
    },
    decode: (ids) => decoder.decode(Uint8Array.from(ids.flatMap((id) => [...bytes[id]]))),
  }
}

function percentile(values, fraction) {
  const sorted = [...values].sort((left, right) => left - right)
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN
}

/**
 * A random walk as decoding does it: mask a logits vector in place (with the token budget),
 * then pick a random allowed token (outside the timing) and advance; returns per-token
 * mask + advance times (ms).
 */
function walk(compiled, seed, maxTokens, vocabSize, eosIds) {
  const rng = createRng(seed)
  const times = []
  const logits = new Float32Array(vocabSize)
  let state = compiled.initialState
  for (let step = 0; step < maxTokens; step++) {
    logits.fill(0)
    const start = performance.now()
    compiled.maskLogits(state, logits, maxTokens - step)
    let elapsed = performance.now() - start
    const allowed = []
    for (let token = 0; token < vocabSize; token++) if (logits[token] === 0) allowed.push(token)
    const eos = allowed.filter((token) => eosIds.has(token))
    const token =
      eos.length > 0 && rng.next() < 0.3 ? eos[0] : allowed[Math.floor(rng.next() * allowed.length)]
    if (!eosIds.has(token)) {
      const advanceStart = performance.now()
      state = compiled.advance(state, token)
      elapsed += performance.now() - advanceStart
    }
    times.push(elapsed)
    if (eosIds.has(token)) break
  }
  return times
}

// Baseline: unconstrained greedy decoding, per generated token.
const model = await loadOnnxTokenModel(tinymathModelPaths['tinymath-generator'], {
  modelId: 'tinymath-generator',
})
const problems = (await loadDevSet()).slice(0, 6)
let decodeTime = 0
let decodedTokens = 0
for (const problem of problems) {
  const prompt = model.tokenizer.encode(formatPrompt(problem.question))
  const start = performance.now()
  const result = await sampleSequences({
    models: [model],
    prompt,
    maxTokens: 64,
    sampling: { temperature: 0 },
  })
  decodeTime += performance.now() - start
  decodedTokens += result.sequences[0].tokenIds.length
}
const stepTime = decodeTime / decodedTokens
console.log(
  `baseline: tinymath-generator unconstrained greedy decoding ${stepTime.toFixed(3)} ms/token (${decodedTokens} tokens)`,
)
await model.close()

const vocabularies = [
  {
    name: 'tinymath (512)',
    key: 'tinymath',
    tokenizer: () =>
      loadTokenizer({
        tokenizerPath: `${tinymathModelPaths['tinymath-generator']}/tokenizer.json`,
        eosTokenIds: [0],
        padTokenId: 0,
      }),
  },
  { name: 'synthetic 32k', key: '32k', tokenizer: () => syntheticTokenizer(32_000, 1) },
  { name: 'synthetic 150k', key: '150k', tokenizer: () => syntheticTokenizer(150_000, 2) },
]

for (const vocabulary of vocabularies) {
  if (only !== 'all' && only !== vocabulary.key) continue
  const tokenizer = vocabulary.tokenizer()
  // The token trie is built once per tokenizer (timed apart from the per-schema compile).
  const trieStart = performance.now()
  compileConstraint(createGrammarConstraint('root ::= "x"'), tokenizer)
  console.log(
    `\n${vocabulary.name}: ${tokenizer.vocabSize} tokens (token trie built in ${(performance.now() - trieStart).toFixed(0)} ms)`,
  )
  console.log(
    'constraint                          compile ms   mask p50 ms  p99 ms  tokens  p50/step  plain p99 ms',
  )
  const eosIds = new Set(tokenizer.eosTokenIds)
  const all = []
  const plainAll = []
  for (const { name, make } of constraints) {
    const constraint = make()
    // Force each machine's own masks (compileConstraint caches machines per tokenizer).
    const compileStart = performance.now()
    const grammar = constraint.grammar()
    const compiled = createGrammarTokenMachine(grammar, tokenizer)
    compiled.maskLogits(compiled.initialState, new Float32Array(tokenizer.vocabSize))
    const compileTime = performance.now() - compileStart
    const plain = createGrammarTokenMachine(grammar, tokenizer, { closureWalk: false })
    const times = []
    const plainTimes = []
    for (let seed = 0; seed < 3; seed++) {
      times.push(...walk(compiled, seed, 128, tokenizer.vocabSize, eosIds))
      plainTimes.push(...walk(plain, seed, 128, tokenizer.vocabSize, eosIds))
    }
    all.push(...times)
    plainAll.push(...plainTimes)
    const p50 = percentile(times, 0.5)
    console.log(
      `${name.padEnd(36)}${compileTime.toFixed(1).padStart(10)}${p50.toFixed(3).padStart(13)}${percentile(times, 0.99).toFixed(3).padStart(8)}${String(times.length).padStart(8)}${(p50 / stepTime).toFixed(3).padStart(10)}${percentile(plainTimes, 0.99).toFixed(3).padStart(14)}`,
    )
  }
  const p50 = percentile(all, 0.5)
  const p99 = percentile(all, 0.99)
  const plainP99 = percentile(plainAll, 0.99)
  console.log(
    `all tokens: p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms over ${all.length} tokens; p50 / tinymath step = ${(p50 / stepTime).toFixed(3)}, p99 / tinymath step = ${(p99 / stepTime).toFixed(3)}`,
  )
  console.log(
    `plain parser walk (baseline, same walks): p50 ${percentile(plainAll, 0.5).toFixed(3)} ms, p99 ${plainP99.toFixed(3)} ms; p99 ratio closure / plain = ${(p99 / plainP99).toFixed(3)}`,
  )
}
