import {
  callModel,
  type GeneratorResult,
  InvalidArgumentError,
  type RunContext,
  type TextInput,
  type TextOutput,
} from '@metagen/core'
import {
  createFakeGenerator,
  createFakeLanguageModel,
  type FakeLanguageModelOptions,
} from '@metagen/core/testing'
import { bestOfN } from '@metagen/parallel'
import { createJudgeScorer } from '@metagen/scorers'
import { describe, expect, it } from 'vitest'
import { evaluate } from './evaluate.js'

/** A model whose k-th sample of a call says `The answer is <(seed + k) mod 10>.` (seed only). */
const seededModel = (options: Omit<FakeLanguageModelOptions, 'reply'> = {}) =>
  createFakeLanguageModel({
    ...options,
    reply: ({ request, outputIndex }) =>
      `The answer is ${((request.seed ?? 0) + outputIndex) % 10}.`,
  })

const problems = Array.from({ length: 12 }, (_, index) => ({
  id: `p${index}`,
  question: `Question ${index}?`,
  answer: index % 10,
}))

describe('evaluate', () => {
  it('gives the same per-problem results whatever the concurrency and order', async () => {
    const generator = createFakeGenerator({ model: seededModel({ delayMs: 1 }) })
    const serial = await evaluate({ generator, problems, seed: 3, concurrency: 1 })
    const parallel = await evaluate({ generator, problems, seed: 3, concurrency: 5 })
    const reversed = await evaluate({
      generator,
      problems: [...problems].reverse(),
      seed: 3,
      concurrency: 3,
    })
    const strip = (result: typeof serial) =>
      result.problems.map(({ id, answer, correct, seed }) => ({ id, answer, correct, seed }))
    expect(strip(parallel)).toEqual(strip(serial))
    expect(strip(reversed).reverse()).toEqual(strip(serial))
    expect(serial.n).toBe(12)
    // 12 calls of a 4-word prompt (`Q: Question i?\nA:`) answered with 4 words.
    expect(serial.usage).toEqual({ inputTokens: 48, outputTokens: 48, calls: 12 })
    expect(serial.accuracy).toBe(serial.problems.filter((problem) => problem.correct).length / 12)
    const other = await evaluate({ generator, problems, seed: 4, concurrency: 2 })
    expect(strip(other).map((problem) => problem.seed)).not.toEqual(
      strip(serial).map((problem) => problem.seed),
    )
  })

  it('counts a failed run as wrong and keeps the others', async () => {
    const generator = createFakeGenerator({
      model: seededModel({
        failCall: ({ prompt }) =>
          prompt?.includes('Question 3?') ? new Error(`fake failure for ${prompt}`) : undefined,
      }),
    })
    const progress: number[] = []
    const result = await evaluate({
      generator,
      problems,
      onProgress: (report) => progress.push(report.done),
    })
    expect(result.problems[3]).toMatchObject({
      correct: false,
      answer: null,
      error: 'Error: fake failure for Q: Question 3?\nA:',
    })
    expect(result.problems.filter((problem) => problem.error === undefined)).toHaveLength(11)
    expect(progress).toEqual(Array.from({ length: 12 }, (_, index) => index + 1))
  })

  it('stops on configuration errors', async () => {
    const generator = {
      name: 'broken',
      async run(): Promise<never> {
        throw new InvalidArgumentError({ argument: 'n', expected: 'an integer >= 1', received: 0 })
      },
    }
    await expect(evaluate({ generator, problems })).rejects.toThrow(/Invalid argument n/)
    await expect(evaluate({ generator, problems, concurrency: 0 })).rejects.toThrow(/concurrency/)
    await expect(evaluate({ generator, problems, seed: 2 ** 32 })).rejects.toThrow(/seed/)
  })

  it('keeps traces on request', async () => {
    const result = await evaluate({
      generator: createFakeGenerator({ model: seededModel() }),
      problems: problems.slice(0, 2),
      trace: true,
    })
    expect(result.problems[0]?.trace?.map((event) => event.kind)).toEqual([
      'span-start',
      'model-call',
      'span-end',
    ])
  })
})

describe('evaluate with an LLM judge under a budget', () => {
  it('charges the judge calls to each problem budget (best-of-n, n 4, 40 output tokens)', async () => {
    // Every sample fills its 8 tokens; the judge writes 12 words before its grade.
    const sampler = createFakeLanguageModel({
      reply: 'one two three four five six seven eight nine ten The answer is 1.',
    })
    const judgeModel = createFakeLanguageModel({
      modelId: 'judge-model',
      reply: 'I checked the steps one by one and they all hold up. Score: 7',
    })
    const generator = bestOfN({
      model: sampler,
      n: 4,
      maxTokens: 8,
      scorer: createJudgeScorer({ model: judgeModel }),
    })
    const result = await evaluate({
      generator,
      problems: problems.slice(0, 5),
      budget: { outputTokens: 40 },
      trace: true,
    })
    for (const problem of result.problems) {
      // 32 tokens of samples; the judge gets the 8 that are left, and no more.
      expect(problem.usage.outputTokens).toBe(40)
      const judged = (problem.trace ?? []).filter(
        (event) => event.kind === 'model-call' && event.name === judgeModel.modelId,
      )
      expect(judged.length).toBeGreaterThan(0)
    }
    // One judge call per problem fits (it reserves the 8 tokens left); the others are refused.
    // Before scorers saw the run context, the 4 judge calls of a problem spent 4 x 14 tokens
    // on top of the 32.
    expect(judgeModel.requests.length).toBe(5)
  })
})

describe('evaluate usage of a failed run', () => {
  it('reports the usage charged before the run threw', async () => {
    const model = createFakeLanguageModel({ reply: 'three word reply' })
    const generator = {
      name: 'fails-after-a-call',
      async run(input: TextInput, context: RunContext): Promise<GeneratorResult<TextOutput>> {
        await callModel(context, model, { prompt: input.prompt ?? '', maxTokens: 5 })
        throw new Error('the second step broke')
      },
    }
    const result = await evaluate({ generator, problems: problems.slice(0, 2) })
    for (const problem of result.problems) {
      expect(problem.error).toMatch(/the second step broke/)
      expect(problem.usage).toEqual({ inputTokens: 4, outputTokens: 3, calls: 1 })
    }
    expect(result.usage).toEqual({ inputTokens: 8, outputTokens: 6, calls: 2 })
  })
})
