// Measures the log-probability scorer with tinymath-generator (teacher forcing through
// @metagen/decoders) on the whole dev set: how often the gold solution's summed log-probability
// beats a corrupted solution's (one wrong step carried through to a wrong answer). Usage, after
// `pnpm turbo run build --filter=@metagen/scorers...`:
//   node packages/scorers/scripts/measure-logprob.mjs
import { createTokenLanguageModel } from '@metagen/decoders'
import { loadOnnxTokenModel } from '@metagen/onnx'
import { formatPrompt, formatSolution, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import { corruptTinymathSolution, createLogprobScorer } from '../dist/index.js'

const deltas = [1, -1, 2, -3, 5, 7, -9, 10]
const problems = await loadDevSet()
for (const id of ['tinymath-generator', 'tinymath-draft']) {
  const tokenModel = await loadOnnxTokenModel(tinymathModelPaths[id])
  try {
    const scorer = createLogprobScorer({
      model: createTokenLanguageModel(tokenModel),
      reduction: 'sum',
    })
    const gold = problems.map((problem) => ({
      prompt: formatPrompt(problem.question),
      output: formatSolution(problem),
    }))
    const corrupted = problems.map((problem, index) => ({
      prompt: formatPrompt(problem.question),
      output: corruptTinymathSolution({
        steps: problem.steps,
        stepIndex: index % problem.steps.length,
        delta: deltas[index % deltas.length],
      }).text,
    }))
    const goldScores = (await scorer.score(gold)).scores
    const corruptedScores = (await scorer.score(corrupted)).scores
    const wins = problems.filter(
      (_, index) => goldScores[index].value > corruptedScores[index].value,
    ).length
    console.log(
      `${id}: gold log-prob > corrupted on ${wins}/${problems.length} = ${(wins / problems.length).toFixed(3)}`,
    )
  } finally {
    await tokenModel.close()
  }
}
