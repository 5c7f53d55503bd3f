// Mask benchmark of the grammar engine (in the spirit of MaskBench): for JSON schemas of the
// test corpus and two text grammars, on the tinymath vocabulary (512 tokens, real tokenizer) and
// synthetic byte-level vocabularies of 32k and 150k tokens, prints the compile time per schema
// (schema -> grammar -> token machine -> first mask) and the p50/p99 time per token of a mask
// (with the token budget, as in decoding) plus the parser advance, over seeded random walks,
// in wall-clock time and in process CPU time (the machine is shared: under load the wall clock
// also counts time the process waited for a core; the load average is printed). Baseline in the
// same process: the unconstrained per-token decode time of tinymath-generator (greedy,
// sampleSequences); the ratio mask / step time says whether masking slows decoding. A second
// baseline in the same process: the same walks with the plain walk of the token trie that steps
// the Earley parser on every byte (`localWalk: false`), so the p99 ratio shows what the local
// walk (bare automata between terminal completions, `src/constrained/token-walk.ts`) saves.
//
// Usage (after `pnpm turbo run build --filter=@metagen/decoders...`):
//   node bench/grammar-masks.bench.mjs               # all vocabularies, 2 walks per constraint
//   node bench/grammar-masks.bench.mjs --vocab 32k   # one of tinymath, 32k, 150k
//   node bench/grammar-masks.bench.mjs --walks 3     # more walks (128 tokens each)
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
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
const walks = Number(argument('walks', '2'))
if (!Number.isInteger(walks) || walks < 1)
  throw new Error(`--walks: expected a positive integer, got ${argument('walks')}`)

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

/** Process CPU time (user + system) in ms. */
function cpuNow() {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

/**
 * A random walk as decoding does it: mask a logits vector in place (with the token budget),
 * then pick a random allowed token (outside the timing) and advance; returns per-token
 * mask + advance times (ms), wall clock and CPU.
 */
function walk(compiled, seed, maxTokens, vocabSize, eosIds) {
  const rng = createRng(seed)
  const times = []
  const cpuTimes = []
  const logits = new Float32Array(vocabSize)
  const allowed = new Int32Array(vocabSize)
  let state = compiled.initialState
  for (let step = 0; step < maxTokens; step++) {
    logits.fill(0)
    const cpuStart = cpuNow()
    const start = performance.now()
    compiled.maskLogits(state, logits, maxTokens - step)
    let elapsed = performance.now() - start
    let cpu = cpuNow() - cpuStart
    let count = 0
    let eos = -1
    for (let token = 0; token < vocabSize; token++) {
      if (logits[token] !== 0) continue
      allowed[count++] = token
      if (eos < 0 && eosIds.has(token)) eos = token
    }
    const token = eos >= 0 && rng.next() < 0.3 ? eos : allowed[Math.floor(rng.next() * count)]
    if (!eosIds.has(token)) {
      const advanceCpu = cpuNow()
      const advanceStart = performance.now()
      state = compiled.advance(state, token)
      elapsed += performance.now() - advanceStart
      cpu += cpuNow() - advanceCpu
    }
    times.push(elapsed)
    cpuTimes.push(cpu)
    if (eosIds.has(token)) break
  }
  return { times, cpuTimes }
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

const fixed = (value, digits = 3) => value.toFixed(digits)
console.log(
  `load average at start: ${loadavg()
    .map((value) => value.toFixed(1))
    .join(' ')}`,
)
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
    'constraint                          compile ms  mask p50 ms  p99 ms  cpu p50  cpu p99  tokens  p99/step  plain p99',
  )
  const eosIds = new Set(tokenizer.eosTokenIds)
  const all = []
  const allCpu = []
  const plainAll = []
  const compileTimes = []
  for (const { name, make } of constraints) {
    const constraint = make()
    // Force each machine's own masks (compileConstraint caches machines per tokenizer).
    const compileStart = performance.now()
    const grammar = constraint.grammar()
    const compiled = createGrammarTokenMachine(grammar, tokenizer)
    compiled.maskLogits(compiled.initialState, new Float32Array(tokenizer.vocabSize))
    const compileTime = performance.now() - compileStart
    compileTimes.push(compileTime)
    const plain = createGrammarTokenMachine(grammar, tokenizer, { localWalk: false })
    const times = []
    const cpuTimes = []
    const plainTimes = []
    for (let seed = 0; seed < walks; seed++) {
      const local = walk(compiled, seed, 128, tokenizer.vocabSize, eosIds)
      times.push(...local.times)
      cpuTimes.push(...local.cpuTimes)
      plainTimes.push(...walk(plain, seed, 128, tokenizer.vocabSize, eosIds).times)
    }
    all.push(...times)
    allCpu.push(...cpuTimes)
    plainAll.push(...plainTimes)
    const p99 = percentile(times, 0.99)
    console.log(
      `${name.padEnd(36)}${fixed(compileTime, 1).padStart(10)}${fixed(percentile(times, 0.5)).padStart(13)}${fixed(p99).padStart(8)}${fixed(percentile(cpuTimes, 0.5)).padStart(9)}${fixed(percentile(cpuTimes, 0.99)).padStart(9)}${String(times.length).padStart(8)}${fixed(p99 / stepTime).padStart(10)}${fixed(percentile(plainTimes, 0.99)).padStart(11)}`,
    )
  }
  const p50 = percentile(all, 0.5)
  const p99 = percentile(all, 0.99)
  const plainP99 = percentile(plainAll, 0.99)
  console.log(
    `compile per schema: p50 ${fixed(percentile(compileTimes, 0.5), 1)} ms, max ${fixed(Math.max(...compileTimes), 1)} ms`,
  )
  console.log(
    `all tokens: wall p50 ${fixed(p50)} ms, p99 ${fixed(p99)} ms; cpu p50 ${fixed(percentile(allCpu, 0.5))} ms, p99 ${fixed(percentile(allCpu, 0.99))} ms over ${all.length} tokens; p50 / tinymath step = ${fixed(p50 / stepTime)}, p99 / tinymath step = ${fixed(p99 / stepTime)}`,
  )
  console.log(
    `plain parser walk (baseline, same walks): p50 ${fixed(percentile(plainAll, 0.5))} ms, p99 ${fixed(plainP99)} ms; p99 ratio local / plain = ${fixed(p99 / plainP99)}`,
  )
}
console.log(
  `load average at end: ${loadavg()
    .map((value) => value.toFixed(1))
    .join(' ')}`,
)
