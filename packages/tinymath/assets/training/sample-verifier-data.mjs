// Samples solutions for verifier training from the models the verifier will judge, and labels
// them. For each problem of a JSON-lines file (from verifier_problems.py; never the dev set):
// `--draft K` samples of tinymath-draft and `--generator M` of tinymath-generator at
// temperature 1 (one prefill, K samples batched per step: @metagen/decoders sampleSequences),
// plus optionally the gold solution. Each output line holds the token ids of
// prompt + solution + end-of-text (what the reward-model scorer feeds the verifier), the token
// index of each step's closing '.' (tinymathStepSplitter's steps: every '.'-terminated sentence
// but the answer sentence) with its PRM label (1 = every step so far matches the gold steps, up
// to the order of operands of + and *), and the ORM label (final answer correct).
//
// Usage (after `pnpm build`):
//   node packages/tinymath/assets/training/sample-verifier-data.mjs IN.jsonl OUT.jsonl \
//     [--draft 8] [--generator 2] [--gold] [--seed 1] [--concurrency 4]
import { readFileSync, writeFileSync } from 'node:fs'
import { loadOnnxTokenModel } from '../../../onnx/dist/index.js'
import { sampleSequences } from '../../../decoders/dist/index.js'
import { formatPrompt, formatSolution, isCorrect, tinymathModelPaths } from '../../dist/index.js'

const [input, output, ...rest] = process.argv.slice(2)
if (!input || !output) {
  console.error('usage: sample-verifier-data.mjs IN.jsonl OUT.jsonl [--draft K] [--generator M] [--gold] [--seed S]')
  process.exit(2)
}
const flag = (name, fallback) => {
  const at = rest.indexOf(`--${name}`)
  return at < 0 ? fallback : Number(rest[at + 1])
}
const draftSamples = flag('draft', 8)
const generatorSamples = flag('generator', 2)
const seed = flag('seed', 1)
const concurrency = flag('concurrency', 4)
const withGold = rest.includes('--gold')
const problems = readFileSync(input, 'utf8')
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => JSON.parse(line))

const stepPattern = /^(\d+)([+\-*/])(\d+)=(-?\d+)\.$/
const answerSentence = /^The answer is -?\d+\.$/

/** Steps as tinymathStepSplitter cuts them: '.'-terminated, trimmed, the answer sentence excluded. */
function splitSteps(solution) {
  const steps = []
  let start = 0
  for (let i = 0; i < solution.length; i++) {
    if (solution[i] !== '.') continue
    const segment = solution.slice(start, i + 1)
    const text = segment.trim()
    if (text.length > 0 && !answerSentence.test(text)) {
      steps.push({ text, end: start + segment.indexOf(text) + text.length })
    }
    start = i + 1
  }
  return steps
}

function sameStep(text, gold) {
  if (text === `${gold}.`) return true
  const m = stepPattern.exec(text)
  const g = /^(\d+)([+\-*/])(\d+)=(-?\d+)$/.exec(gold)
  if (!m || !g) return false
  // a+b and b+a (a*b and b*a) are the same step
  return (m[2] === '+' || m[2] === '*') && m[2] === g[2] && m[1] === g[3] && m[3] === g[1] && m[4] === g[4]
}

const load = (id) => loadOnnxTokenModel(tinymathModelPaths[id], { modelId: id })
const draft = await load('tinymath-draft')
const generator = await load('tinymath-generator')
const tokenizer = draft.tokenizer
const endOfText = tokenizer.eosTokenIds[0]
const byteLengths = tokenizer.tokenBytes().map((bytes) => bytes.length)
const encoder = new TextEncoder()

function example(problem, solution, source) {
  const prompt = formatPrompt(problem.question)
  const text = prompt + solution
  const ids = tokenizer.encode(text)
  const ends = []
  let position = 0
  for (const id of ids) {
    position += byteLengths[id]
    ends.push(position)
  }
  ids.push(endOfText)
  const steps = splitSteps(solution)
  const stepTokens = []
  const stepLabels = []
  let prefixCorrect = true
  steps.forEach((step, index) => {
    const closing = encoder.encode(text.slice(0, prompt.length + step.end - 1)).length
    stepTokens.push(ends.findIndex((end) => end > closing))
    prefixCorrect = prefixCorrect && index < problem.steps.length && sameStep(step.text, problem.steps[index])
    stepLabels.push(prefixCorrect ? 1 : 0)
  })
  return {
    id: problem.id,
    n_ops: problem.n_ops,
    source,
    solution,
    ids,
    step_tokens: stepTokens,
    step_labels: stepLabels,
    orm: isCorrect(solution, problem.answer) ? 1 : 0,
  }
}

async function sample(model, problem, n, sampleSeed) {
  if (n <= 0) return []
  const result = await sampleSequences({
    models: [model],
    prompt: tokenizer.encode(formatPrompt(problem.question)),
    n,
    maxTokens: 200,
    sampling: { temperature: 1 },
    seed: sampleSeed,
  })
  return result.sequences.filter((s) => s.finishReason !== 'error').map((s) => s.text)
}

const lines = new Array(problems.length)
const started = performance.now()
let next = 0
let done = 0
async function worker() {
  while (next < problems.length) {
    const index = next++
    const problem = problems[index]
    const rows = []
    for (const text of await sample(draft, problem, draftSamples, seed * 1_000_003 + index)) {
      rows.push(example(problem, text, 'draft'))
    }
    for (const text of await sample(generator, problem, generatorSamples, seed * 2_000_003 + index)) {
      rows.push(example(problem, text, 'generator'))
    }
    if (withGold) rows.push(example(problem, formatSolution(problem), 'gold'))
    lines[index] = rows.map((row) => JSON.stringify(row)).join('\n')
    done++
    if (done % 100 === 0) {
      const seconds = (performance.now() - started) / 1000
      console.error(`${done}/${problems.length} problems, ${seconds.toFixed(0)} s`)
    }
  }
}
try {
  await Promise.all(Array.from({ length: concurrency }, worker))
} finally {
  await draft.close()
  await generator.close()
}
writeFileSync(output, `${lines.join('\n')}\n`)
const rows = lines.join('\n').split('\n').map((line) => JSON.parse(line))
const bySource = {}
for (const row of rows) {
  const entry = (bySource[row.source] ??= { n: 0, correct: 0 })
  entry.n++
  entry.correct += row.orm
}
console.error(
  `${rows.length} examples in ${((performance.now() - started) / 1000).toFixed(0)} s: ${JSON.stringify(bySource)}`,
)
