// Unit tests of the generators on a scripted model and scorer of our own interfaces.
import {
  BudgetExhaustedError,
  createCollectingTraceSink,
  createRunContext,
  InvalidArgumentError,
  type TextInput,
} from '@metagen/core'
import { createFakeLanguageModel, createFakeScorer } from '@metagen/core/testing'
import { describe, expect, it } from 'vitest'
import { adaptiveConsistency } from './adaptive-consistency.js'
import { bestOfN } from './best-of-n.js'
import { majorityVote } from './majority-vote.js'
import { minimumBayesRisk } from './minimum-bayes-risk.js'
import { rejectionSampling } from './rejection-sampling.js'
import { betaStoppingRule } from './stopping-rules.js'
import { universalSelfConsistency } from './universal-self-consistency.js'
import { weightedVote } from './weighted-vote.js'

const input: TextInput = { prompt: 'Q: What is 6*7?\nA:' }

/** A model whose i-th sample (over its life) answers `answers[i % answers.length]`. */
function scripted(answers: readonly (string | Error)[]) {
  return createFakeLanguageModel({
    reply: ({ sampleIndex }) => {
      const answer = answers[sampleIndex % answers.length] as string | Error
      return answer instanceof Error ? answer : `step ${sampleIndex}. The answer is ${answer}.`
    },
  })
}

/** Scores a text by the answer it gives: 42 is right. */
const answerScorer = () =>
  createFakeScorer({
    score: ({ output }) =>
      output.includes('is 42.') ? 0.9 : output.includes('is 41.') ? 0.6 : 0.1,
    usage: (requests) => ({ inputTokens: requests.length, outputTokens: 0, calls: 1 }),
  })

describe('majorityVote', () => {
  it('returns the earliest sample of the most frequent answer, with candidates and usage', async () => {
    const model = scripted(['41', '42', '42', '40', '42', '41'])
    const trace = createCollectingTraceSink()
    const { output, usage } = await majorityVote({ model, n: 6 }).run(
      input,
      createRunContext({ trace }),
    )
    expect(output.answer).toBe('42')
    expect(output.text).toBe('step 1. The answer is 42.')
    expect(output.votes).toBe(3)
    expect(output.candidates).toHaveLength(6)
    expect(usage.calls).toBe(1)
    expect(trace.events.some((event) => event.kind === 'model-call')).toBe(true)
    expect(trace.events.find((event) => event.name === 'majority-vote')?.data?.chosen).toBe(1)
  })

  it('does not count empty answers (\\boxed{}, Answer: $ $) as a vote for ""', async () => {
    const replies = ['\\boxed{}', 'Answer: $ $', '\\boxed{7}', 'Answer: $ $']
    const model = createFakeLanguageModel({
      reply: ({ sampleIndex }) => replies[sampleIndex % replies.length] as string,
    })
    const { output } = await majorityVote({ model, n: 4 }).run(input, createRunContext())
    expect(output.answer).toBe('7')
    expect(output.votes).toBe(1)
    expect(output.candidates?.filter((candidate) => candidate.answer !== undefined)).toHaveLength(1)
  })

  it('keeps voting when samples fail and says why when all fail', async () => {
    const model = scripted([new Error('bad'), '7', new Error('bad'), '8', '8'])
    const { output } = await majorityVote({ model, n: 5 }).run(input, createRunContext())
    expect(output.answer).toBe('8')
    expect(output.candidates?.filter((candidate) => candidate.error)).toHaveLength(2)
    const broken = scripted([new Error('model down')])
    await expect(
      majorityVote({ model: broken, n: 3 }).run(input, createRunContext()),
    ).rejects.toThrow(/all 3 samples failed; the first error: model down/)
  })

  it('uses a pluggable extractor and normaliser', async () => {
    const model = createFakeLanguageModel({
      reply: ({ sampleIndex }) =>
        ['RESULT: Blue', 'RESULT: red', 'RESULT: BLUE '][sampleIndex % 3] as string,
    })
    const { output } = await majorityVote({
      model,
      n: 3,
      extractAnswer: (text) => /RESULT: (.*)/.exec(text)?.[1],
      normaliseAnswer: (answer) => answer.trim().toLowerCase(),
    }).run(input, createRunContext())
    expect(output.text).toBe('RESULT: Blue')
    expect(output.votes).toBe(2)
  })

  it('rejects bad options with errors naming the argument', () => {
    const model = scripted(['1'])
    expect(() => majorityVote({ model, n: 0 })).toThrow(/options\.n/)
    expect(() => majorityVote({ model, temperature: -1 })).toThrow(/options\.temperature/)
    expect(() => majorityVote({} as never)).toThrow(InvalidArgumentError)
  })
})

describe('bestOfN', () => {
  it('scores every sample in one scorer call and returns the highest-scored one', async () => {
    const model = scripted(['40', '41', '42', '42'])
    const scorer = answerScorer()
    const { output, usage } = await bestOfN({ model, n: 4, scorer }).run(input, createRunContext())
    expect(scorer.batches.map((batch) => batch.length)).toEqual([4])
    expect(output.answer).toBe('42')
    expect(output.text).toBe('step 2. The answer is 42.') // earliest of the two 0.9s
    expect(output.score).toBe(0.9)
    // Model: 5 prompt words, 4 x 6 answer words; scorer: one input token per request.
    expect(usage).toEqual({ inputTokens: 5 + 4, outputTokens: 24, calls: 2 })
  })

  it('stops at the budget with the best sample so far and usage <= the budget', async () => {
    const model = scripted(['40', '42', '41', '42', '40', '40'])
    const budget = { outputTokens: 20 }
    const context = createRunContext({ budget })
    const result = await bestOfN({ model, n: 16, scorer: answerScorer(), maxTokens: 6 }).run(
      input,
      context,
    )
    expect(result.stoppedBy).toBe('budget')
    expect(result.usage.outputTokens).toBeLessThanOrEqual(20)
    expect(context.budget.spent.outputTokens).toBeLessThanOrEqual(20)
    expect(result.output.answer).toBe('42')
    expect(result.output.candidates!.length).toBeLessThan(16)
  })

  it('throws BudgetExhaustedError when the budget is gone before the first sample', async () => {
    const context = createRunContext({ budget: { calls: 1 } })
    context.budget.charge({ inputTokens: 0, outputTokens: 0, calls: 1 })
    await expect(
      bestOfN({ model: scripted(['1']), scorer: answerScorer() }).run(input, context),
    ).rejects.toBeInstanceOf(BudgetExhaustedError)
  })

  it('requires an outcome scorer', () => {
    const processOnly = { ...answerScorer(), kind: { outcome: false, process: true } }
    expect(() => bestOfN({ model: scripted(['1']), scorer: processOnly })).toThrow(
      /options\.scorer/,
    )
  })
})

describe('weightedVote', () => {
  it('lets two confident votes beat three weak ones', async () => {
    const model = scripted(['40', '42', '40', '42', '40'])
    const { output } = await weightedVote({ model, n: 5, scorer: answerScorer() }).run(
      input,
      createRunContext(),
    )
    expect(output.answer).toBe('42')
    expect(output.weight).toBeCloseTo(1.8)
    expect(output.votes).toBe(2)
    const unweighted = await majorityVote({
      model: scripted(['40', '42', '40', '42', '40']),
      n: 5,
    }).run(input, createRunContext())
    expect(unweighted.output.answer).toBe('40')
  })
})

describe('rejectionSampling', () => {
  it('stops at the first round with an accepted sample and returns the earliest accepted', async () => {
    const model = scripted(['40', '40', '41', '42', '42', '42'])
    const scorer = answerScorer()
    const { output } = await rejectionSampling({
      model,
      scorer,
      threshold: 0.5,
      n: 12,
      roundSize: 2,
    }).run(input, createRunContext())
    expect(output.accepted).toBe(true)
    expect(output.answer).toBe('41')
    expect(output.samples).toBe(4)
    expect(scorer.batches.map((batch) => batch.length)).toEqual([2, 2])
  })

  it('returns the best sample with accepted false when none reaches the threshold', async () => {
    const { output } = await rejectionSampling({
      model: scripted(['40', '41']),
      scorer: answerScorer(),
      threshold: 0.95,
      n: 5,
      roundSize: 2,
    }).run(input, createRunContext())
    expect(output).toMatchObject({ accepted: false, samples: 5, answer: '41' })
  })
})

describe('minimumBayesRisk', () => {
  const equalAnswers = (a: string, b: string) => (a === b ? 1 : 0)

  it('over the samples with an answer utility equals the majority vote', async () => {
    const { output } = await minimumBayesRisk({
      model: scripted(['41', '42', '42', '40']),
      n: 4,
      utility: equalAnswers,
      compare: 'answer',
      symmetric: true,
    }).run(input, createRunContext())
    expect(output.answer).toBe('42')
    expect(output.score).toBeCloseTo(1 / 3)
    expect(output.utilityEvaluations).toBe(6) // distinct unordered pairs of {40, 41, 42}
  })

  it('uses a separate pseudo-reference set when given', async () => {
    const hypotheses = scripted(['41', '42'])
    const references = scripted(['41', '41', '41'])
    const { output, usage } = await minimumBayesRisk({
      model: hypotheses,
      n: 2,
      utility: equalAnswers,
      compare: 'answer',
      references: { model: references, n: 3 },
    }).run(input, createRunContext())
    expect(output.answer).toBe('41')
    expect(output.score).toBe(1)
    expect(usage.calls).toBe(2)
  })
})

describe('adaptiveConsistency', () => {
  it('stops early on a clear majority and reports the samples saved', async () => {
    const model = scripted(['42'])
    const { output, usage } = await adaptiveConsistency({ model, n: 16 }).run(
      input,
      createRunContext(),
    )
    expect(output).toMatchObject({
      answer: '42',
      samplesUsed: 4,
      samplesSaved: 12,
      stoppedWhy: 'confident',
    })
    expect(output.confidence).toBeCloseTo(31 / 32)
    expect(usage.calls).toBe(4)
  })

  it('uses all n samples when the vote stays split, and honours roundSize', async () => {
    const model = scripted(['1', '2'])
    const { output } = await adaptiveConsistency({
      model,
      n: 8,
      roundSize: 4,
      stoppingRule: betaStoppingRule({ threshold: 0.99 }),
    }).run(input, createRunContext())
    expect(output).toMatchObject({ samplesUsed: 8, samplesSaved: 0, stoppedWhy: 'max-samples' })
    expect(model.requests.map((request) => request.n)).toEqual([4, 4])
    expect(output.answer).toBe('1') // 4 to 4: the answer seen first
  })
})

describe('universalSelfConsistency', () => {
  it('returns the response the judge names', async () => {
    const model = scripted(['40', '41', '42'])
    const judge = createFakeLanguageModel({
      reply: 'The most consistent response is Response 2.',
    })
    const { output } = await universalSelfConsistency({ model, judge, n: 3 }).run(
      input,
      createRunContext(),
    )
    expect(output).toMatchObject({ answer: '42', selectedBy: 'judge' })
    expect(judge.requests[0]?.messages?.[0]?.content).toContain(
      'Response 2:\nstep 2. The answer is 42.',
    )
    expect(judge.requests[0]?.temperature).toBe(0)
  })

  it('falls back to the majority vote when the reply names no valid response', async () => {
    const model = scripted(['40', '41', '41'])
    const judge = createFakeLanguageModel({
      reply: 'Response 9 maybe',
      capabilities: { chat: false },
    })
    const { output } = await universalSelfConsistency({ model, judge, n: 3 }).run(
      input,
      createRunContext(),
    )
    expect(output).toMatchObject({ answer: '41', selectedBy: 'fallback-majority' })
    expect(judge.requests[0]?.prompt).toMatch(/The most consistent response is Response$/)
  })

  it('needs a judge when sampling from a base generator', () => {
    const base = majorityVote({ model: scripted(['1']), n: 1 })
    expect(() => universalSelfConsistency({ base })).toThrow(/options\.judge/)
  })
})

describe('composition', () => {
  it('votes over best-of-n runs of a base generator, each in its own span', async () => {
    const model = scripted(['40', '42', '41', '42', '42', '40'])
    const inner = bestOfN({ model, n: 2, scorer: answerScorer() })
    const trace = createCollectingTraceSink()
    const { output, usage } = await majorityVote({ base: inner, n: 3 }).run(
      input,
      createRunContext({ trace }),
    )
    expect(output.answer).toBe('42')
    expect(output.votes).toBe(3)
    expect(usage.calls).toBe(6) // 3 model calls + 3 scorer calls
    expect(trace.events.filter((event) => event.kind === 'span-start')).toHaveLength(3)
  })
})

describe('minimumBayesRisk with compare answer', () => {
  it('compares the texts when no sample has an answer, instead of throwing', async () => {
    const replies = ['no idea', 'no idea at all', 'something else entirely']
    const model = createFakeLanguageModel({
      reply: ({ sampleIndex }) => replies[sampleIndex % replies.length] as string,
    })
    const trace = createCollectingTraceSink()
    const { output } = await minimumBayesRisk({
      model,
      n: 3,
      compare: 'answer',
      utility: (a: string, b: string) => (a === b ? 1 : 0),
    }).run(input, createRunContext({ trace }))
    expect(output.answer).toBeUndefined()
    expect(['no idea', 'no idea at all']).toContain(output.text)
    const note = trace.events.find((event) => event.name === 'minimum-bayes-risk')
    expect(note?.data?.compared).toMatch(/text/)
  })
})
