// Measures the tinymath verifier through the reward-model scorer on the whole dev set: how often
// the gold solution's outcome score beats a corrupted solution's (one wrong step carried through
// to a wrong answer), plus mean scores. Usage (after `pnpm turbo run build --filter=@metagen/scorers...`):
//   node packages/scorers/scripts/measure-verifier.mjs
import { loadOnnxRewardModel } from '@metagen/onnx'
import { formatPrompt, formatSolution, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import {
  corruptTinymathSolution,
  createRewardModelScorer,
  tinymathStepSplitter,
} from '../dist/index.js'

const deltas = [1, -1, 2, -3, 5, 7, -9, 10]
const problems = await loadDevSet()
const model = await loadOnnxRewardModel(tinymathModelPaths['tinymath-verifier'])
try {
  const scorer = createRewardModelScorer({
    model,
    link: 'sigmoid',
    stepSplitter: tinymathStepSplitter,
  })
  for (const [label, propagate, pick] of [
    [
      'one wrong step carried to the answer (step index = problem index mod steps)',
      true,
      (index, steps) => index % steps,
    ],
    ['only the last step and answer wrong', true, (_index, steps) => steps - 1],
  ]) {
    const gold = problems.map((problem) => ({
      prompt: formatPrompt(problem.question),
      output: formatSolution(problem),
    }))
    const corrupted = problems.map((problem, index) => ({
      prompt: formatPrompt(problem.question),
      output: corruptTinymathSolution({
        steps: problem.steps,
        stepIndex: pick(index, problem.steps.length),
        delta: deltas[index % deltas.length],
        propagate,
      }).text,
    }))
    const [goldResult, corruptedResult] = [await scorer.score(gold), await scorer.score(corrupted)]
    let wins = 0
    let ties = 0
    let goldSum = 0
    let corruptedSum = 0
    let processFlagged = 0
    const byOps = new Map()
    problems.forEach((problem, index) => {
      const g = goldResult.scores[index].value
      const c = corruptedResult.scores[index].value
      goldSum += g
      corruptedSum += c
      if (g > c) wins++
      else if (g === c) ties++
      const entry = byOps.get(problem.n_ops) ?? { wins: 0, total: 0 }
      entry.total++
      if (g > c) entry.wins++
      byOps.set(problem.n_ops, entry)
      const stepIndex = pick(index, problem.steps.length)
      const goldStep = goldResult.scores[index].steps[stepIndex].score
      const corruptedStep = corruptedResult.scores[index].steps[stepIndex].score
      if (corruptedStep < goldStep) processFlagged++
    })
    const n = problems.length
    console.log(`\n${label}`)
    console.log(
      `  gold outcome > corrupted outcome: ${wins}/${n} = ${(wins / n).toFixed(3)} (ties ${ties})`,
    )
    console.log(
      `  mean outcome score: gold ${(goldSum / n).toFixed(3)}, corrupted ${(corruptedSum / n).toFixed(3)}`,
    )
    console.log(
      `  process score at the corrupted step lower than gold's: ${processFlagged}/${n} = ${(processFlagged / n).toFixed(3)}`,
    )
    console.log(
      `  by n_ops: ${[...byOps]
        .sort((a, b) => a[0] - b[0])
        .map(([k, v]) => `${k}: ${v.wins}/${v.total}`)
        .join(', ')}`,
    )
  }
} finally {
  await model.close()
}
