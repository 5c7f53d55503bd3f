import { createCollectingTraceSink, createRunContext } from '@metagen/core'
import {
  createArithmeticSolverModel,
  createFakeLanguageModel,
  createFakeScorer,
} from '@metagen/core/testing'
import { describe, expect, it } from 'vitest'
import { arithmeticRecheckCritic } from './recheck-critic.js'
import { continuationRevision } from './revisions.js'
import { selfRefine } from './self-refine.js'

/** An instruction-following fake: drafts badly, then follows its own feedback. */
function createInstructionModel(options: { neverDone?: boolean } = {}) {
  return createFakeLanguageModel({
    provider: 'test',
    modelId: 'instruction',
    tokenUnit: 'character',
    capabilities: { nativeN: false },
    reply: ({ request, prompt }) => {
      if (prompt.includes('reply with exactly DONE')) {
        const answer = request.messages
          ? (request.messages[request.messages.length - 2]?.content ?? '')
          : prompt
        return !options.neverDone && answer.includes('three lines')
          ? 'DONE'
          : 'A haiku has three lines.'
      }
      if (prompt.includes('Write an improved')) return 'A haiku about rain, in three lines.'
      return 'A haiku about rain: drops.'
    },
  })
}

describe('selfRefine', () => {
  it('generates, takes its own feedback, revises and stops when the feedback says DONE', async () => {
    const model = createInstructionModel()
    const trace = createCollectingTraceSink()
    const generator = selfRefine({ model, maxRounds: 5 })
    const { output, usage } = await generator.run(
      { prompt: 'Write a haiku about rain.' },
      createRunContext({ trace }),
    )
    expect(output.text).toBe('A haiku about rain, in three lines.')
    expect(output.stopReason).toBe('critic-done')
    expect(output.rounds).toBe(1)
    expect(output.attempts.map((attempt) => attempt.feedback)).toEqual([
      'A haiku has three lines.',
      'DONE',
    ])
    // answer, feedback, revision, feedback
    expect(usage.calls).toBe(4)
    expect(model.requests[2]?.prompt).toContain(
      'Feedback on your answer:\nA haiku has three lines.',
    )
    const roundEnds = trace.events.filter(
      (event) => event.kind === 'span-end' && event.name === 'self-refine-round',
    )
    expect(roundEnds).toHaveLength(2)
  })

  it('works on chat messages', async () => {
    const model = createInstructionModel()
    const { output } = await selfRefine({ model }).run(
      { messages: [{ role: 'user', content: 'Write a haiku about rain.' }] },
      createRunContext(),
    )
    expect(output.stopReason).toBe('critic-done')
    expect(model.requests[1]?.messages?.map((message) => message.role)).toEqual([
      'user',
      'assistant',
      'user',
    ])
  })

  it('always terminates at maxRounds when the feedback never says done', async () => {
    const model = createInstructionModel({ neverDone: true })
    const trace = createCollectingTraceSink()
    const { output, usage } = await selfRefine({ model, maxRounds: 2 }).run(
      { prompt: 'Write a haiku.' },
      createRunContext({ trace }),
    )
    expect(output.stopReason).toBe('max-rounds')
    expect(output.attempts).toHaveLength(3)
    expect(usage.calls).toBe(6)
    const rounds = trace.events
      .filter((event) => event.kind === 'span-end' && event.name === 'self-refine-round')
      .map((event) => event.data?.round)
    expect(rounds).toEqual([0, 1, 2])
  })

  it('stops when the score stops improving (patience) and returns the best attempt', async () => {
    const model = createInstructionModel({ neverDone: true })
    let call = 0
    const scores = [0.2, 0.7, 0.5, 0.6, 0.9]
    const scorer = createFakeScorer({ name: 'scripted', score: () => scores[call++] })
    const { output } = await selfRefine({
      model,
      scorer,
      patience: 2,
      maxRounds: 10,
      select: 'best',
    }).run({ prompt: 'Write a haiku.' }, createRunContext())
    expect(output.stopReason).toBe('no-improvement')
    expect(output.attempts.map((attempt) => attempt.score)).toEqual([0.2, 0.7, 0.5, 0.6])
    expect(output.score).toBe(0.7)
    expect(output.text).toBe(output.attempts[1]?.text)
  })

  it('runs on a completion model with the arithmetic recheck critic', async () => {
    // The solver slips on 4*17 after the question's steps, but right after the question alone
    // (the recheck context, prompt ending in ` 4*17=`) it computes correctly.
    const model = createArithmeticSolverModel({
      operations: [
        { left: 4, operator: '*', right: 17 },
        { left: 'previous', operator: '+', right: 23 },
      ],
      slip: (index, request) => (index === 0 && !request.prompt?.endsWith('=') ? 1 : 0),
    })
    const generator = selfRefine({
      model,
      request: { temperature: 0 },
      critic: arithmeticRecheckCritic({ model }),
      revise: continuationRevision(),
      maxRounds: 2,
    })
    const prompt = 'Q: Ava has 23 apples. She buys 4 bags with 17 apples each.\nA:'
    const { output } = await generator.run({ prompt }, createRunContext())
    expect(output.attempts[0]?.text).toBe(' 4*17=69. 69+23=92. The answer is 92.')
    expect(output.attempts[0]?.feedback).toBe('Step 1: 4*17= recomputes to 68, not 69.')
    expect(output.text).toBe(' 4*17=68. 68+23=91. The answer is 91.')
    expect(output.stopReason).toBe('critic-done')
    expect(model.requests.some((request) => request.prompt === `${prompt} 4*17=68`)).toBe(true)
  })
})

describe('refine with NaN scores', () => {
  it('rejects a NaN score from the scorer, naming it, instead of comparing attempts with it', async () => {
    const generator = selfRefine({
      model: createInstructionModel({ neverDone: true }),
      maxRounds: 2,
      scorer: createFakeScorer({ name: 'nan-scorer', score: () => Number.NaN }),
    })
    await expect(
      generator.run({ prompt: 'Write a haiku about rain.' }, createRunContext()),
    ).rejects.toThrow(/scorer nan-scorer value: expected a finite number or undefined/)
  })
})
