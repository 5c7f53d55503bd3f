// Integration tests on the real tinymath-draft ONNX model (through @metagen/onnx and
// @metagen/decoders) and the real tinymath step checker, on a small dev subset.
import {
  compact,
  createCollectingTraceSink,
  createRunContext,
  type Generator,
  type LanguageModel,
  languageModelGenerator,
  mixSeed,
  type TextInput,
  type TextOutput,
  type TokenModel,
} from '@metagen/core'
import { createTokenLanguageModel } from '@metagen/decoders'
import { loadOnnxTokenModel } from '@metagen/onnx'
import { bestOfN, majorityVote } from '@metagen/parallel'
import { createTinymathStepChecker } from '@metagen/scorers'
import {
  extractAnswer,
  formatPrompt,
  isCorrect,
  loadDevSet,
  type TinymathProblem,
  tinymathModelPaths,
} from '@metagen/tinymath'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  arithmeticRecheckCritic,
  calculatorTool,
  chainOfThought,
  continuationRevision,
  promptChain,
  refineWithVerifier,
  selfRefine,
  toolUse,
} from '../src/index.js'

let tokenModel: TokenModel
let model: LanguageModel
let problems: TinymathProblem[]
const request = { temperature: 0, maxTokens: 128 }
const stepChecker = createTinymathStepChecker()

beforeAll(async () => {
  tokenModel = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], {
    modelId: 'tinymath-draft',
    threads: 1,
  })
  model = createTokenLanguageModel(tokenModel)
  problems = (await loadDevSet()).slice(0, 20)
})

afterAll(async () => {
  await tokenModel?.close()
})

async function countCorrect(generator: Generator<TextInput, TextOutput>): Promise<number> {
  const results = await Promise.all(
    problems.map((problem) =>
      generator.run(
        { prompt: formatPrompt(problem.question) },
        createRunContext({ seed: mixSeed(0, problem.id) }),
      ),
    ),
  )
  return results.filter((result, index) =>
    isCorrect(result.output.text, (problems[index] as TinymathProblem).answer),
  ).length
}

describe('chained generators on tinymath-draft (20 dev problems)', () => {
  it('the calculator tool raises accuracy over greedy and reports its calls', async () => {
    const greedy = await countCorrect(languageModelGenerator({ model, request }))
    const calculator = toolUse({ model, tools: [calculatorTool()], request })
    const withTool = await countCorrect(calculator)
    expect(withTool).toBeGreaterThan(greedy)

    const problem = problems[4] as TinymathProblem
    const { output } = await calculator.run(
      { prompt: formatPrompt(problem.question) },
      createRunContext(),
    )
    expect(output.toolCalls.length).toBeGreaterThan(0)
    for (const call of output.toolCalls) {
      expect(output.text.slice(call.offset, call.offset + call.result.length)).toBe(call.result)
    }
  })

  it('refinement from the step checker raises accuracy over greedy', async () => {
    const greedy = await countCorrect(languageModelGenerator({ model, request }))
    const refined = await countCorrect(
      refineWithVerifier({ model, scorer: stepChecker, request, maxRounds: 4, extractAnswer }),
    )
    expect(refined).toBeGreaterThan(greedy)
  })

  it('stops at the round limit and traces every round', async () => {
    const trace = createCollectingTraceSink()
    // A 5-operation problem: the draft rarely fixes it within one revision.
    const problem = problems.find((item) => item.n_ops === 5) as TinymathProblem
    const generator = refineWithVerifier({ model, scorer: stepChecker, request, maxRounds: 2 })
    const { output } = await generator.run(
      { prompt: formatPrompt(problem.question) },
      createRunContext({ trace, seed: 3 }),
    )
    expect(output.rounds).toBeLessThanOrEqual(2)
    expect(['critic-done', 'max-rounds']).toContain(output.stopReason)
    const ends = trace.events.filter(
      (event) => event.kind === 'span-end' && event.name === 'refine-with-verifier-round',
    )
    expect(ends.map((event) => event.data?.round)).toEqual(
      output.attempts.map((attempt) => attempt.round),
    )
    expect(trace.events.filter((event) => event.kind === 'score')).toHaveLength(
      output.attempts.length,
    )
  })

  it('self-refine with the recheck critic runs on a completion model and terminates', async () => {
    const generator = selfRefine({
      model,
      request,
      critic: arithmeticRecheckCritic({ model }),
      revise: continuationRevision(),
      maxRounds: 3,
      extractAnswer,
    })
    const problem = problems[9] as TinymathProblem
    const { output, usage } = await generator.run(
      { prompt: formatPrompt(problem.question) },
      createRunContext(),
    )
    expect(output.rounds).toBeLessThanOrEqual(3)
    expect(output.attempts).toHaveLength(output.rounds + 1)
    expect(usage.calls).toBeGreaterThan(output.rounds)
  })

  it('composes with parallel generators: majority vote over a chain, best-of-N over refinement', async () => {
    const problem = problems[2] as TinymathProblem
    const input = { prompt: formatPrompt(problem.question) }

    const sampledChain = chainOfThought({
      model,
      extractAnswer,
      answerPrompt: ' The answer is',
      request: { temperature: 1, maxTokens: 128 },
    })
    const voteTrace = createCollectingTraceSink()
    const vote = await majorityVote({ base: sampledChain, n: 5 }).run(
      input,
      createRunContext({ trace: voteTrace, seed: 1 }),
    )
    expect(vote.output.votes).toBeGreaterThanOrEqual(1)
    expect(vote.output.answer).toBe(extractAnswer(vote.output.text))
    const chainSpans = voteTrace.events.filter(
      (event) => event.kind === 'span-end' && event.name === 'chain-of-thought',
    )
    expect(chainSpans).toHaveLength(5)
    expect(vote.usage.calls).toBeGreaterThanOrEqual(5)

    const bestTrace = createCollectingTraceSink()
    const refine = refineWithVerifier({ model, scorer: stepChecker, request, maxRounds: 2 })
    const best = await bestOfN({ base: refine, n: 3, scorer: stepChecker }).run(
      input,
      createRunContext({ trace: bestTrace, seed: 2 }),
    )
    const refineSpans = bestTrace.events.filter(
      (event) => event.kind === 'span-end' && event.name === 'refine-with-verifier',
    )
    expect(refineSpans).toHaveLength(3)
    const scores = (best.output.candidates ?? []).map((candidate) => candidate.score ?? -1)
    expect(best.output.score).toBe(Math.max(...scores))
  })

  it('a prompt chain over the real model: solve, then re-solve the last step alone', async () => {
    const problem = problems[1] as TinymathProblem
    const chain = promptChain<TinymathProblem>({ name: 'solve-and-recheck' })
      .step('solve', {
        template: ({ input }) => ({ prompt: formatPrompt(input.question) }),
        generator: toolUse({ model, tools: [calculatorTool()], request }),
        parse: (output) => output.text,
      })
      .step('answer', {
        template: ({ input, steps }) => ({
          prompt: `${formatPrompt(input.question)}${steps.solve.split('The answer is')[0]}The answer is`,
        }),
        generator: languageModelGenerator({ model, request: { temperature: 0, maxTokens: 8 } }),
        parse: (output) => extractAnswer(`The answer is${output.text}`),
      })
      .output(({ steps }) => ({
        text: steps.solve,
        ...compact({ answer: steps.answer }),
      }))
    const trace = createCollectingTraceSink()
    const { output, usage } = await chain.run(problem, createRunContext({ trace }))
    expect(output.answer).toBe(extractAnswer(output.text))
    const steps = trace.events.filter((event) => event.kind === 'span-end')
    expect(steps).toHaveLength(2)
    expect((steps[0]?.usage?.calls ?? 0) + (steps[1]?.usage?.calls ?? 0)).toBe(usage.calls)
  })
})
