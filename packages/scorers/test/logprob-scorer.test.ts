// The log-probability scorer on the real tinymath-generator (teacher forcing through
// @metagen/decoders over @metagen/onnx). Full dev-set measurement: scripts/measure-logprob.mjs.

import type { TokenModel } from '@metagen/core'
import { createTokenLanguageModel } from '@metagen/decoders'
import { loadOnnxTokenModel } from '@metagen/onnx'
import { formatPrompt, formatSolution, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { corruptTinymathSolution } from '../src/corrupt-tinymath-solution.js'
import { createLogprobScorer } from '../src/logprob-scorer.js'

const deltas = [1, -1, 2, -3, 5, 7, -9, 10]

describe('log-probability scorer on tinymath-generator', () => {
  let tokenModel: TokenModel
  beforeAll(async () => {
    tokenModel = await loadOnnxTokenModel(tinymathModelPaths['tinymath-generator'])
  })
  afterAll(async () => {
    await tokenModel?.close()
  })

  it('ranks gold solutions above corrupted ones (measured 300/300 on the dev set)', async () => {
    const problems = (await loadDevSet()).slice(0, 10)
    const model = createTokenLanguageModel(tokenModel)
    const sum = createLogprobScorer({ model })
    const mean = createLogprobScorer({ model, reduction: 'mean' })
    const requests = problems.flatMap((problem, index) => [
      { prompt: formatPrompt(problem.question), output: formatSolution(problem) },
      {
        prompt: formatPrompt(problem.question),
        output: corruptTinymathSolution({
          steps: problem.steps,
          stepIndex: index % problem.steps.length,
          delta: deltas[index % deltas.length] as number,
        }).text,
      },
    ])
    const [sums, means] = [await sum.score(requests), await mean.score(requests)]
    expect(sums.usage.calls).toBeGreaterThan(0)
    for (let index = 0; index < problems.length; index++) {
      const gold = sums.scores[2 * index]?.value as number
      const corrupted = sums.scores[2 * index + 1]?.value as number
      expect(gold).toBeLessThanOrEqual(0)
      expect(gold).toBeGreaterThan(corrupted)
      // mean = sum / number of tokens, so the ratio is a positive token count.
      const tokens = gold / (means.scores[2 * index]?.value as number)
      expect(Math.abs(tokens - Math.round(tokens))).toBeLessThan(1e-6)
      expect(tokens).toBeGreaterThan(5)
    }
  })
})
