// Step search against best-of-16 at equal tokens, on generated validation problems. Runs the real strategies (the CLI's registry and environment) on generated validation
// problems (never the dev set) with tinymath-draft and logs every score request the verifier
// sees, labelled two ways: `gold` = every step so far equals the gold step (the verifier's
// training label; a+b = b+a) and `checker` = the programmatic step checker (arithmetic right,
// operands available). Prints, per strategy: accuracy, tokens per problem split into generated
// tokens and tokens the scorer read, the share of problems whose pool of complete candidates
// holds a right answer (`poolHasRight`); and, for the verifier's partial-solution scores: step-level
// AUROC against both labels, the top-1 selection accuracy among siblings (candidates of one
// parent scored in one call), and the proposal coverage (a sibling set holds a gold-correct step;
// also among sets whose parent is right).
// An oracle PRM (`gold-prm`, the gold label itself, reads no tokens) bounds what a perfect
// verifier would give with the same proposals.
//
// Usage (after `pnpm build`, from the repository root):
//   node packages/tinymath/assets/training/analyze-step-search.mjs [--problems 100] [--seed 9001]
//     [--model DIR] [--verifier DIR] [--configs '<json array of strategy specs>']
import { createDefaultStrategyRegistry, createStrategyEnvironment, evaluate, scorerFactories } from '../../../orchestrator/dist/index.js'
import { checkTinymathSolution, tinymathStepSplitter } from '../../../scorers/dist/index.js'
import { formatPrompt, generateProblems, isCorrect, loadDevSet, tinymathModelPaths } from '../../dist/index.js'

const args = process.argv.slice(2)
const flag = (name, fallback) => {
  const at = args.indexOf(`--${name}`)
  return at < 0 ? fallback : args[at + 1]
}
const count = Number(flag('problems', 100))
const seed = Number(flag('seed', 9001))
const modelId = flag('model', 'tinymath-draft')
const verifierPath = flag('verifier', tinymathModelPaths['tinymath-verifier'])
const configs = JSON.parse(
  flag(
    'configs',
    JSON.stringify([
      { strategy: 'best-of-n', n: 16, scorer: 'step-checker' },
      { strategy: 'step-beam', scorer: 'step-checker' },
      { strategy: 'step-beam', scorer: 'step-checker', deduplicate: true },
      { strategy: 'rebase', scorer: 'step-checker' },
      { strategy: 'best-of-n', n: 16, scorer: 'logged-verifier' },
      { strategy: 'step-beam', scorer: 'logged-verifier' },
      { strategy: 'step-beam', scorer: 'logged-verifier', deduplicate: true },
      { strategy: 'step-beam', scorer: 'logged-verifier', beams: 8 },
      { strategy: 'step-beam', scorer: 'logged-verifier', beams: 4 },
      { strategy: 'rebase', scorer: 'logged-verifier' },
      { strategy: 'rebase', scorer: 'logged-verifier', width: 10 },
      { strategy: 'rebase', scorer: 'logged-verifier', width: 8 },
      { strategy: 'rebase', scorer: 'logged-verifier', width: 6 },
    ]),
  ),
)

const dev = new Set((await loadDevSet()).map((problem) => problem.question))
const problems = generateProblems(seed, count + 20)
  .filter((problem) => !dev.has(problem.question))
  .slice(0, count)
const byPrompt = new Map(problems.map((problem) => [formatPrompt(problem.question), problem]))

const stepPattern = /^(\d+)([+\-*/])(\d+)=(-?\d+)\.$/
function sameStep(text, gold) {
  if (text === `${gold}.`) return true
  const m = stepPattern.exec(text)
  const g = /^(\d+)([+\-*/])(\d+)=(-?\d+)$/.exec(gold)
  if (!m || !g) return false
  return (m[2] === '+' || m[2] === '*') && m[2] === g[2] && m[1] === g[3] && m[3] === g[1] && m[4] === g[4]
}
/** Per step: every step so far equals the gold step. */
function goldLabels(problem, output) {
  let ok = true
  return tinymathStepSplitter(output).map((step, index) => {
    ok = ok && index < problem.steps.length && sameStep(step.text, problem.steps[index])
    return ok
  })
}

let log = []
const factories = {
  ...scorerFactories,
  'logged-verifier': async (environment) => {
    const inner = await scorerFactories.verifier(environment, { path: verifierPath })
    let call = 0
    return {
      ...inner,
      name: 'verifier',
      close: () => inner.close(),
      async score(requests, options) {
        const result = await inner.score(requests, options)
        const id = call++
        requests.forEach((request, index) => {
          const problem = byPrompt.get(request.prompt)
          const steps = result.scores[index]?.steps ?? []
          if (!problem || steps.length === 0) return
          const gold = goldLabels(problem, request.output)
          const check = checkTinymathSolution({
            question: problem.question,
            output: request.output,
            partial: true,
          })
          const checker = check.steps.map((step) => step.correct)
          const checkerPrefix = checker.map((_, i) => checker.slice(0, i + 1).every(Boolean))
          const spans = tinymathStepSplitter(request.output)
          const last = spans[spans.length - 1]
          log.push({
            call: id,
            text: request.output,
            partial: request.partial === true,
            parent: last ? `${request.prompt}${request.output.slice(0, last.start)}` : '',
            last: steps[steps.length - 1].score,
            min: Math.min(...steps.map((step) => step.score)),
            gold: gold[gold.length - 1] ?? false,
            parentGold: gold.length < 2 || gold[gold.length - 2] === true,
            checker: checkerPrefix[checkerPrefix.length - 1] ?? true,
            answerRight: isCorrect(request.output, problem.answer),
          })
        })
        return result
      },
    }
  },
  'gold-prm': async () => ({
    specificationVersion: 'v1',
    name: 'gold-prm',
    kind: { outcome: true, process: true },
    async score(requests) {
      return {
        scores: requests.map((request) => {
          const problem = byPrompt.get(request.prompt)
          const labels = goldLabels(problem, request.output)
          const steps = tinymathStepSplitter(request.output).map((step, i) => ({
            text: step.text,
            score: labels[i] ? 1 : 0,
          }))
          const value = request.partial
            ? (steps[steps.length - 1]?.score ?? 1)
            : isCorrect(request.output, problem.answer)
              ? 1
              : 0
          return { value, steps }
        }),
        usage: { inputTokens: 0, outputTokens: 0, calls: 0 },
      }
    },
  }),
}

function auroc(items, key, label) {
  const pos = items.filter((item) => item[label]).map((item) => item[key])
  const neg = items.filter((item) => !item[label]).map((item) => item[key])
  if (pos.length === 0 || neg.length === 0) return Number.NaN
  let wins = 0
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0
  return wins / (pos.length * neg.length)
}

const registry = createDefaultStrategyRegistry()
const fmt = (x) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a')
for (const config of configs) {
  log = []
  const environment = createStrategyEnvironment({ modelId, registry, scorerFactories: factories })
  try {
    const spec = registry.validate(config)
    const inner = await registry.get(spec.strategy).build(spec, environment)
    // the pool: does any complete candidate the strategy returns (all samples of best-of-n,
    // every complete solution of a search) hold the right answer?
    let poolRight = 0
    const generator = {
      name: inner.name,
      async run(input, context) {
        const result = await inner.run(input, context)
        const problem = byPrompt.get(input.prompt)
        const candidates = result.output.candidates ?? []
        if (candidates.some((candidate) => isCorrect(candidate.text, problem.answer))) poolRight++
        return result
      },
    }
    const result = await evaluate({
      generator,
      problems: problems.map((problem) => ({ id: problem.id, question: problem.question, answer: problem.answer })),
      seed: 0,
    })
    const n = result.n
    const line = {
      config: JSON.stringify(config),
      accuracy: fmt(result.accuracy),
      tokensPerProblem: Math.round((result.usage.inputTokens + result.usage.outputTokens) / n),
      generatedPerProblem: Math.round(result.usage.outputTokens / n),
      readPerProblem: Math.round(result.usage.inputTokens / n),
      poolHasRight: fmt(poolRight / n),
    }
    const partial = log.filter((item) => item.partial)
    if (partial.length > 0) {
      const groups = new Map()
      for (const item of partial) {
        const key = `${item.call}\u0000${item.parent}`
        if (!groups.has(key)) groups.set(key, [])
        groups.get(key).push(item)
      }
      let covered = 0
      let parentRightSets = 0
      let parentRightCovered = 0
      let contested = 0
      let pickedRight = 0
      for (const group of groups.values()) {
        const right = group.filter((item) => item.gold).length
        if (right > 0) covered++
        if (group[0].parentGold) {
          parentRightSets++
          if (right > 0) parentRightCovered++
        }
        if (right > 0 && right < group.length) {
          contested++
          const best = group.reduce((a, b) => (b.last > a.last ? b : a))
          if (best.gold) pickedRight++
        }
      }
      Object.assign(line, {
        scoredPartials: partial.length,
        goldRightShare: fmt(partial.filter((item) => item.gold).length / partial.length),
        aurocGoldLast: fmt(auroc(partial, 'last', 'gold')),
        aurocGoldMin: fmt(auroc(partial, 'min', 'gold')),
        aurocCheckerLast: fmt(auroc(partial, 'last', 'checker')),
        accuracyAtHalf: fmt(partial.filter((item) => item.last > 0.5 === item.gold).length / partial.length),
        siblingSets: groups.size,
        coverage: fmt(covered / groups.size),
        parentRightSets,
        coverageGivenRightParent: fmt(parentRightCovered / parentRightSets),
        contestedSets: contested,
        top1InContested: fmt(pickedRight / contested),
      })
    }
    const finished = log.filter((item) => !item.partial)
    if (finished.length > 0) {
      Object.assign(line, { finishedScored: finished.length })
    }
    if (log.length > 0) {
      // requests the scorer read that repeat an earlier request of the same call
      const distinct = new Set(log.map((item) => `${item.call}\u0000${item.partial}\u0000${item.text}`))
      Object.assign(line, { repeatedInCall: fmt(1 - distinct.size / log.length) })
    }
    console.log(JSON.stringify(line))
  } finally {
    await environment.close()
  }
}
