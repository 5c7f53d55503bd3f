// Integration tests on the real tinymath ONNX models (draft sampler, verifier reward model)
// through the real backend, on a small subset of the dev set.
import { createRunContext, normaliseAnswer, UnsupportedCapabilityError } from '@metagen/core'
import { createTokenLanguageModel } from '@metagen/decoders'
import {
  loadOnnxRewardModel,
  loadOnnxTokenModel,
  type OnnxRewardModel,
  type OnnxTokenModel,
} from '@metagen/onnx'
import {
  createLikelihoodPairwiseJudge,
  createPairwiseJudge,
  createRewardModelScorer,
  createTinymathStepChecker,
} from '@metagen/scorers'
import {
  extractAnswer,
  formatPrompt,
  loadDevSet,
  type TinymathProblem,
  tinymathModelPaths,
} from '@metagen/tinymath'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  adaptiveConsistency,
  bestOfN,
  majorityVote,
  minimumBayesRisk,
  tournament,
  weightedVote,
} from '../src/index.js'

let tokenModel: OnnxTokenModel
let rewardModel: OnnxRewardModel
let problems: TinymathProblem[]
const stepChecker = createTinymathStepChecker()

beforeAll(async () => {
  tokenModel = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], {
    modelId: 'tinymath-draft',
    threads: 1,
  })
  rewardModel = await loadOnnxRewardModel(tinymathModelPaths['tinymath-verifier'], {
    modelId: 'tinymath-verifier',
    threads: 1,
  })
  // Every 30th problem: 10 problems spread over 1..5 operations.
  problems = (await loadDevSet()).filter((_, index) => index % 30 === 0)
})

afterAll(async () => {
  await tokenModel?.close?.()
  await rewardModel?.close()
})

const model = () => createTokenLanguageModel(tokenModel, { modelId: 'tinymath-draft' })
const prompt = (problem: TinymathProblem) => ({ prompt: formatPrompt(problem.question) })
const common = () => ({ model: model(), n: 8, maxTokens: 160, extractAnswer })

describe('on tinymath-draft', () => {
  it('majority vote draws n samples in one batched call and returns the most frequent answer', async () => {
    const generator = majorityVote(common())
    for (const [index, problem] of problems.entries()) {
      const { output, usage } = await generator.run(
        prompt(problem),
        createRunContext({ seed: index }),
      )
      expect(usage.calls).toBe(1)
      expect(output.candidates).toHaveLength(8)
      const counts = new Map<string, number>()
      for (const candidate of output.candidates ?? []) {
        const answer =
          candidate.answer === undefined ? undefined : normaliseAnswer(candidate.answer)
        if (answer !== undefined) counts.set(answer, (counts.get(answer) ?? 0) + 1)
      }
      const top = Math.max(0, ...counts.values())
      if (top > 0) {
        expect(output.votes).toBe(top)
        expect(counts.get(normaliseAnswer(output.answer ?? ''))).toBe(top)
      }
    }
  })

  it('best-of-n with the step checker returns a verified solution whenever one was sampled', async () => {
    const generator = bestOfN({ ...common(), scorer: stepChecker })
    let verified = 0
    for (const [index, problem] of problems.entries()) {
      const { output } = await generator.run(prompt(problem), createRunContext({ seed: index }))
      const scores = (output.candidates ?? []).map((candidate) => candidate.score ?? 0)
      expect(output.score).toBe(Math.max(...scores))
      if (output.score === 1) {
        verified++
        const check = await stepChecker.score([
          { prompt: formatPrompt(problem.question), output: output.text },
        ])
        expect(check.scores[0]?.value).toBe(1)
      }
    }
    // The draft solves some of these problems in 8 samples (pass@16 is about 0.6 on the dev set).
    expect(verified).toBeGreaterThan(0)
  })

  it('best-of-n and weighted vote with the verifier reward model score every sample in one call', async () => {
    const verifier = createRewardModelScorer({ model: rewardModel, name: 'verifier' })
    const [problem] = problems
    const best = await bestOfN({ ...common(), scorer: verifier }).run(
      prompt(problem!),
      createRunContext({ seed: 1 }),
    )
    const scores = (best.output.candidates ?? []).map((candidate) => candidate.score)
    expect(scores.every((score) => score !== undefined && score >= 0 && score <= 1)).toBe(true)
    expect(best.output.score).toBe(Math.max(...(scores as number[])))
    const vote = await weightedVote({ ...common(), scorer: verifier }).run(
      prompt(problem!),
      createRunContext({ seed: 1 }),
    )
    expect(vote.output.weight).toBeGreaterThan(0)
  })

  it('a budget of M output tokens stops sampling with the best answer so far and usage <= M', async () => {
    for (const budgetTokens of [100, 250]) {
      const context = createRunContext({ seed: 3, budget: { outputTokens: budgetTokens } })
      const result = await bestOfN({ ...common(), n: 16, scorer: stepChecker }).run(
        prompt(problems[5]!),
        context,
      )
      expect(result.stoppedBy).toBe('budget')
      expect(result.usage.outputTokens).toBeLessThanOrEqual(budgetTokens)
      expect(context.budget.spent.outputTokens).toBeLessThanOrEqual(budgetTokens)
      expect(result.output.candidates!.length).toBeGreaterThan(0)
      expect(result.output.candidates!.length).toBeLessThan(16)
      expect(result.output.text.length).toBeGreaterThan(0)
    }
  })

  it('adaptive consistency reports the samples it used and saved', async () => {
    const generator = adaptiveConsistency({ ...common(), n: 16 })
    let saved = 0
    for (const [index, problem] of problems.entries()) {
      const { output, usage } = await generator.run(
        prompt(problem),
        createRunContext({ seed: index }),
      )
      expect(output.samplesUsed + output.samplesSaved).toBe(16)
      expect(output.candidates).toHaveLength(output.samplesUsed)
      expect(usage.calls).toBe(output.samplesUsed)
      if (output.stoppedWhy === 'confident') expect(output.confidence).toBeGreaterThan(0.95)
      saved += output.samplesSaved
    }
    // The 1-operation problems are easy for the draft: unanimous votes stop after 4 samples.
    expect(saved).toBeGreaterThan(0)
  })

  it('composes: MBR over best-of-2 runs of the step checker', async () => {
    const inner = bestOfN({ ...common(), n: 2, scorer: stepChecker })
    const outer = minimumBayesRisk({
      base: inner,
      n: 3,
      utility: (a, b) => (extractAnswer(a) === extractAnswer(b) ? 1 : 0),
      symmetric: true,
    })
    const { output, usage } = await outer.run(prompt(problems[0]!), createRunContext({ seed: 9 }))
    expect(output.candidates).toHaveLength(3)
    expect(usage.calls).toBe(3)
    expect(output.expectedUtilities).toHaveLength(3)
  })

  it('a tournament whose prompt judge never gives a verdict (tinymath) says so and suggests the likelihood judge', async () => {
    const model = createTokenLanguageModel(tokenModel)
    const prompt = formatPrompt(problems[1]!.question)
    const judged = tournament({ model, n: 3, judge: createPairwiseJudge({ model }) }).run(
      { prompt },
      createRunContext({ seed: 4 }),
    )
    await expect(judged).rejects.toThrow(UnsupportedCapabilityError)
    await expect(judged).rejects.toThrow(
      /replied to all 2 matches without a parseable verdict.*--judge-by likelihood/,
    )
    // The likelihood judge decides every match on the same model.
    const { output } = await tournament({
      model,
      n: 3,
      judge: createLikelihoodPairwiseJudge({ model }),
    }).run({ prompt }, createRunContext({ seed: 4 }))
    expect(output.matches).toHaveLength(2)
    expect(output.matches.every((match) => match.preference !== undefined)).toBe(true)
  })
})
