// The reward-model scorer on the real tinymath-verifier through @metagen/onnx: batching does not
// change scores, steps are read where the verifier was trained, and bad models/inputs are
// reported clearly. The full dev-set gold-vs-corrupted measurement is scripts/measure-verifier.mjs.
import { InvalidArgumentError, ModelLoadError, type ScoreRequest } from '@metagen/core'
import {
  loadOnnxRewardModel,
  loadOnnxTokenModel,
  type OnnxRewardModel,
  planRewardPasses,
} from '@metagen/onnx'
import {
  formatPrompt,
  formatSolution,
  loadDevSet,
  type TinymathProblem,
  tinymathModelPaths,
} from '@metagen/tinymath'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { corruptTinymathSolution } from '../src/corrupt-tinymath-solution.js'
import { createRewardModelScorer } from '../src/reward-model-scorer.js'
import { tinymathStepSplitter } from '../src/step-splitter.js'

const deltas = [1, -1, 2, -3, 5, 7, -9, 10]

describe('reward-model scorer on tinymath-verifier', () => {
  let model: OnnxRewardModel
  let problems: TinymathProblem[]
  let gold: ScoreRequest[]
  let corrupted: ScoreRequest[]

  beforeAll(async () => {
    model = await loadOnnxRewardModel(tinymathModelPaths['tinymath-verifier'])
    // 20 problems spread over 1..5 operations (the dev set cycles n_ops).
    problems = (await loadDevSet()).slice(0, 20)
    gold = problems.map((problem) => ({
      prompt: formatPrompt(problem.question),
      output: formatSolution(problem),
    }))
    corrupted = problems.map((problem, index) => ({
      prompt: formatPrompt(problem.question),
      output: corruptTinymathSolution({
        steps: problem.steps,
        stepIndex: index % problem.steps.length,
        delta: deltas[index % deltas.length] as number,
      }).text,
    }))
  })

  afterAll(async () => {
    await model?.close()
  })

  it('gives the same outcome and process scores batched and one by one (within 1e-4)', async () => {
    const requests = [...gold, ...corrupted, { ...(gold[3] as ScoreRequest), partial: true }]
    const batchedScorer = createRewardModelScorer({
      model,
      stepSplitter: tinymathStepSplitter,
      batchSize: 16,
    })
    const batched = await batchedScorer.score(requests)
    expect(batched.usage.calls).toBe(3)
    const singleScorer = createRewardModelScorer({
      model,
      stepSplitter: tinymathStepSplitter,
      batchSize: 1,
    })
    for (let index = 0; index < requests.length; index++) {
      const single = (await singleScorer.score([requests[index] as ScoreRequest])).scores[0]
      const together = batched.scores[index]
      expect(together?.error).toBeUndefined()
      expect(Math.abs((single?.value as number) - (together?.value as number))).toBeLessThan(1e-4)
      expect(single?.steps?.length).toBe(together?.steps?.length)
      single?.steps?.forEach((step, stepIndex) => {
        expect(step.text).toBe(together?.steps?.[stepIndex]?.text)
        expect(Math.abs(step.score - (together?.steps?.[stepIndex]?.score as number))).toBeLessThan(
          1e-4,
        )
      })
    }
  })

  it('reads one process score per solution step and probabilities in (0, 1)', async () => {
    const scorer = createRewardModelScorer({ model, stepSplitter: tinymathStepSplitter })
    const { scores, usage } = await scorer.score([...gold, ...corrupted])
    expect(usage.flops).toBeGreaterThan(0)
    scores.forEach((score, index) => {
      const problem = problems[index % problems.length] as TinymathProblem
      expect(score.steps?.map((step) => step.text.endsWith('.'))).toEqual(
        problem.steps.map(() => true),
      )
      for (const value of [score.value, ...(score.steps ?? []).map((step) => step.score)]) {
        expect(value).toBeGreaterThan(0)
        expect(value).toBeLessThan(1)
      }
    })
    // The measured rate is reported, not asserted: this verifier is weak (see README).
    const wins = problems.filter(
      (_, index) =>
        (scores[index]?.value as number) > (scores[index + problems.length]?.value as number),
    ).length
    console.info(
      `tinymath-verifier: gold > corrupted outcome on ${wins}/${problems.length} problems`,
    )
  })

  it('reports a sequence longer than the model context as unscorable, keeping the others', async () => {
    const scorer = createRewardModelScorer({ model })
    const long = ` ${Array.from({ length: 60 }, () => '1+1=2.').join(' ')} The answer is 2.`
    const { scores } = await scorer.score([
      gold[0] as ScoreRequest,
      { prompt: 'Q: x\nA:', output: long },
    ])
    expect(scores[0]?.value).toBeGreaterThan(0)
    expect(scores[1]).toEqual({
      value: undefined,
      error: expect.stringMatching(/longer than the model's 384/),
    })
  })

  it('charges FLOPs for the padded positions a batched pass computes', async () => {
    const requests = [...gold.slice(0, 3), ...corrupted.slice(0, 3)]
    const lengths = requests.map(
      (request) => model.tokenizer.encode(request.prompt + request.output).length + 1,
    )
    // The model's passes (planRewardPasses with its defaults), each row padded to the pass's
    // longest sequence.
    const passes = planRewardPasses(lengths, { maxBatchSize: 32, passOverheadTokens: 16 })
    const padded = passes.reduce(
      (sum, pass) => sum + pass.length * Math.max(...pass.map((index) => lengths[index] as number)),
      0,
    )
    expect(model.computedPositions(lengths)).toBe(padded)
    expect(model.computedPositions([3, 5, 4])).toBe(15)
    // A far longer sequence gets a pass of its own rather than padding the short ones to it.
    expect(model.computedPositions([10, 12, 100])).toBe(2 * 12 + 100)
    const { usage } = await createRewardModelScorer({ model }).score(requests)
    const real = lengths.reduce((sum, length) => sum + length, 0)
    expect(usage.inputTokens).toBe(real)
    expect(usage.flops).toBe(2 * model.parameterCount * padded)
    expect(padded).toBeGreaterThanOrEqual(real)
  })

  it('refuses a model without a score output', async () => {
    await expect(
      loadOnnxRewardModel(tinymathModelPaths['tinymath-generator']),
    ).rejects.toBeInstanceOf(ModelLoadError)
    const tokenModel = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'])
    try {
      expect(() => createRewardModelScorer({ model: tokenModel as never })).toThrow(
        InvalidArgumentError,
      )
    } finally {
      await tokenModel.close()
    }
  })
})
