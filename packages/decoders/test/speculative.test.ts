// Integration tests of speculative decoding on the real tinymath ONNX models: greedy speculative
// decoding equals the target's greedy decoding token for token, and speculative sampling keeps
// the target's distribution (chi-squared against exact probabilities and against direct sampling).
import { softmax, type TokenModel } from '@metagen/core'
import { loadOnnxTokenModel } from '@metagen/onnx'
import {
  formatPrompt,
  loadDevSet,
  type TinymathProblem,
  tinymathModelPaths,
} from '@metagen/tinymath'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sampleSequences } from '../src/sample-sequences.js'
import { chiSquaredGoodnessOfFit, chiSquaredTwoSample } from '../src/speculative/chi-squared.js'
import {
  createModelDrafter,
  createPromptLookupDrafter,
  createSpeculativeLanguageModel,
  type Drafter,
  type SpeculativeDecodeResult,
  type SpeculativeStats,
  speculativeDecode,
} from '../src/speculative/index.js'

let target: TokenModel
let draft: TokenModel
let problems: TinymathProblem[]

beforeAll(async () => {
  target = await loadOnnxTokenModel(tinymathModelPaths['tinymath-generator'], {
    modelId: 'tinymath-generator',
  })
  draft = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], {
    modelId: 'tinymath-draft',
  })
  problems = await loadDevSet()
})

afterAll(async () => {
  await target?.close()
  await draft?.close()
})

describe('greedy speculative decoding on tinymath', () => {
  it('equals the target greedy output token for token (12 dev problems, draft model, k = 4 and adaptive)', async () => {
    const subset = problems.filter((_, index) => index % 25 === 0)
    const prompts = subset.map((problem) => target.tokenizer.encode(formatPrompt(problem.question)))
    const totals = { drafted: 0, accepted: 0 }
    for (const [index, prompt] of prompts.entries()) {
      const reference = await sampleSequences({
        models: [target],
        prompt,
        maxTokens: 160,
        sampling: { temperature: 0 },
      })
      for (const adaptive of [false, true]) {
        const result = await speculativeDecode({
          target,
          drafter: createModelDrafter(draft),
          prompt,
          maxTokens: 160,
          k: 4,
          adaptive,
          sampling: { temperature: 0 },
        })
        expect(result.sequences[0]?.tokenIds, `problem ${subset[index]?.id}`).toEqual(
          reference.sequences[0]?.tokenIds,
        )
        expect(result.sequences[0]?.text).toBe(reference.sequences[0]?.text)
        totals.drafted += result.stats.draftedTokens
        totals.accepted += result.stats.acceptedTokens
      }
    }
    // The draft shares the format and copies numbers: most drafts are accepted.
    expect(totals.accepted / totals.drafted).toBeGreaterThan(0.5)
  })

  it('runs inside the target backend when it can, with the same tokens, text and target counters as the extend loop', async () => {
    const inBackend = (drafter: Drafter) => drafter
    // The same model drafter without `model`: speculativeDecode cannot hand it to the backend.
    const onMainThread = (drafter: Drafter): Drafter => ({
      name: drafter.name,
      maxSequenceLength: drafter.maxSequenceLength,
      start: drafter.start.bind(drafter),
      propose: drafter.propose.bind(drafter),
      update: drafter.update.bind(drafter),
    })
    for (const problem of problems.filter((_, index) => index % 75 === 11)) {
      const prompt = target.tokenizer.encode(formatPrompt(problem.question))
      for (const [k, adaptive] of [
        [2, false],
        [8, false],
        [4, true],
      ] as const) {
        const results: SpeculativeDecodeResult[] = []
        for (const wrap of [inBackend, onMainThread]) {
          results.push(
            await speculativeDecode({
              target,
              drafter: wrap(createModelDrafter(draft)),
              prompt,
              maxTokens: 120,
              k,
              adaptive,
              sampling: { temperature: 0 },
            }),
          )
        }
        const [fast, reference] = results as [SpeculativeDecodeResult, SpeculativeDecodeResult]
        const label = `problem ${problem.id}, k=${k}, adaptive=${adaptive}`
        expect(fast.sequences[0]?.tokenIds, label).toEqual(reference.sequences[0]?.tokenIds)
        expect(fast.sequences[0]?.text, label).toBe(reference.sequences[0]?.text)
        expect(fast.sequences[0]?.finishReason, label).toBe(reference.sequences[0]?.finishReason)
        expect(fast.sequences[0]?.sequenceLogprob).toBeCloseTo(
          reference.sequences[0]?.sequenceLogprob as number,
          4,
        )
        const { acceptanceRate, tokensPerRound, flops, ...counters } =
          fast.stats as SpeculativeStats
        const expected = reference.stats as SpeculativeStats
        // The backend's draft model drafts ahead on its own thread while the target verifies
        // (packages/onnx, pipelined greedy speculative decoding): its run-ahead passes that a
        // correction throws away are counted too, so the draft's work is at least the extend
        // loop's; everything else, the target's work included, is the same.
        const { draftForwardPasses, forwardPasses, tokensProcessed, ...rest } = counters
        expect(rest, label).toEqual({
          inputTokens: expected.inputTokens,
          outputTokens: expected.outputTokens,
          rounds: expected.rounds,
          targetForwardPasses: expected.targetForwardPasses,
          draftedTokens: expected.draftedTokens,
          acceptedTokens: expected.acceptedTokens,
        })
        expect(draftForwardPasses, label).toBeGreaterThanOrEqual(expected.draftForwardPasses)
        expect(forwardPasses - draftForwardPasses, label).toBe(
          expected.forwardPasses - expected.draftForwardPasses,
        )
        expect(tokensProcessed, label).toBeGreaterThanOrEqual(expected.tokensProcessed)
        expect(acceptanceRate).toBeCloseTo(expected.acceptanceRate, 10)
        expect(tokensPerRound).toBeCloseTo(expected.tokensPerRound, 10)
        expect(flops).toBeGreaterThanOrEqual(expected.flops - 1e3)
      }
    }
  })

  it('equals the target greedy output with the prompt-lookup drafter and through the LanguageModel', async () => {
    let stats: SpeculativeStats | undefined
    const model = createSpeculativeLanguageModel({
      target,
      draft: 'prompt-lookup',
      k: 6,
      onStats: (value) => {
        stats = value
      },
    })
    for (const problem of problems.slice(100, 104)) {
      const prompt = formatPrompt(problem.question)
      const reference = await sampleSequences({
        models: [target],
        prompt: target.tokenizer.encode(prompt),
        maxTokens: 160,
        sampling: { temperature: 0 },
      })
      const result = await model.generate({ prompt, temperature: 0, maxTokens: 160 })
      expect(result.outputs[0]?.tokenIds).toEqual(reference.sequences[0]?.tokenIds)
      expect(result.usage.outputTokens).toBe(reference.sequences[0]?.tokenIds.length)
      expect(stats?.rounds).toBeGreaterThan(0)
    }
    expect(createPromptLookupDrafter().name).toBe('prompt-lookup')
  })
})

describe('speculative decoding feeds each committed token to the target once', () => {
  /** Greedy speculative decoding of `prompt`, checked against plain greedy decoding. */
  async function decodeCounting(prompt: number[], drafter: Drafter, k: number) {
    const reference = await sampleSequences({
      models: [target],
      prompt,
      maxTokens: 160,
      sampling: { temperature: 0 },
    })
    const targetBefore = target.stats()
    const draftBefore = draft.stats()
    const result = await speculativeDecode({
      target,
      drafter,
      prompt,
      maxTokens: 160,
      k,
      sampling: { temperature: 0 },
    })
    expect(result.sequences[0]?.tokenIds).toEqual(reference.sequences[0]?.tokenIds)
    const targetAfter = target.stats()
    const draftAfter = draft.stats()
    expect(targetAfter.liveSequences).toBe(targetBefore.liveSequences)
    expect(draftAfter.liveSequences).toBe(draftBefore.liveSequences)
    return {
      generated: result.sequences[0]?.tokenIds.length as number,
      stats: result.stats,
      targetFed: targetAfter.tokensProcessed - targetBefore.tokensProcessed - prompt.length,
      draftFed: draftAfter.tokensProcessed - draftBefore.tokensProcessed,
      reference: reference.sequences[0]?.tokenIds as number[],
    }
  }

  it('with an always-rejected drafter: linear, not quadratic, in the generated length', async () => {
    const k = 4
    const prompt = target.tokenizer.encode(formatPrompt((problems[3] as TinymathProblem).question))
    const plain = await sampleSequences({
      models: [target],
      prompt,
      maxTokens: 160,
      sampling: { temperature: 0 },
    })
    // A token the greedy output never contains: every draft is rejected.
    const output = new Set(plain.sequences[0]?.tokenIds)
    const never = [...Array(target.vocabSize).keys()].find(
      (token) => !output.has(token) && !target.tokenizer.eosTokenIds.includes(token),
    ) as number
    const rejected: Drafter = {
      name: 'always-rejected',
      maxSequenceLength: Number.POSITIVE_INFINITY,
      start: async (_prompt, count) => Array.from({ length: count }, () => ({ dispose() {} })),
      propose: async (requests) =>
        requests.map((request) => ({
          tokens: Array.from({ length: request.maxDraftTokens }, () => never),
          probabilities: Array.from({ length: request.maxDraftTokens }, () => undefined),
        })),
      update() {},
    }
    const { generated, stats, targetFed } = await decodeCounting(prompt, rejected, k)
    expect(generated).toBeGreaterThan(20)
    expect(stats.acceptedTokens).toBe(0)
    expect(stats.rounds).toBe(generated)
    expect(targetFed).toBeLessThanOrEqual(generated + stats.rounds * (k + 1))
    // Exactly: the drafts of every round plus each committed token once (the last never fed).
    expect(targetFed).toBe(stats.draftedTokens + generated - 1)
  })

  it('with prompt lookup and with the draft model on 10 tinymath problems', async () => {
    const k = 4
    const totals = { generated: 0, rounds: 0, targetFed: 0, draftFed: 0, prompts: 0 }
    for (const problem of problems.slice(40, 50)) {
      const prompt = target.tokenizer.encode(formatPrompt(problem.question))
      const lookup = await decodeCounting(prompt, createPromptLookupDrafter(), k)
      expect(lookup.targetFed).toBeLessThanOrEqual(lookup.generated + lookup.stats.rounds * (k + 1))
      totals.generated += lookup.generated
      totals.rounds += lookup.stats.rounds
      totals.targetFed += lookup.targetFed
      const drafted = await decodeCounting(prompt, createModelDrafter(draft), k)
      expect(drafted.targetFed).toBeLessThanOrEqual(
        drafted.generated + drafted.stats.rounds * (k + 1),
      )
      // The draft model is fed the prompt once, then each committed token and each draft but
      // the last of a round once.
      expect(drafted.draftFed - prompt.length).toBeLessThanOrEqual(
        drafted.generated + drafted.stats.rounds * k,
      )
    }
    expect(totals.targetFed).toBeLessThanOrEqual(totals.generated + totals.rounds * (k + 1))
  })
})

describe('speculative sampling on tinymath keeps the target distribution', () => {
  it('first and second generated tokens: chi-squared vs exact probabilities and vs direct sampling (alpha 0.001 each), in the extend loop and inside the worker', async () => {
    // A position where the target is uncertain (inside a product's digits), at temperature 2 so
    // that the first two positions spread over several tokens and the draft often disagrees.
    const problem = problems.find((candidate) => candidate.id === '1001-22') as TinymathProblem
    const prefix = ' 30*93=2790. 198+2790=2988. 2988*2=5976. 5976-628=5'
    const prompt = target.tokenizer.encode(formatPrompt(problem.question) + prefix)
    const temperature = 2
    const runs = 400
    const vocabSize = target.vocabSize

    // Exact distributions of the target: p(a) and p(a, b) = p(a) p(b | a).
    const root = target.createSequence()
    await target.extend([{ sequence: root, tokens: prompt }])
    const scaled = (row: Float32Array) => row.map((value) => value / temperature)
    const first = softmax(scaled(root.lastLogits as Float32Array))
    const likely = [...first.keys()].filter((token) => (first[token] as number) > 1e-5)
    const forks = likely.map(() => root.fork())
    await target.extend(
      likely.map((token, index) => ({ sequence: forks[index] as never, tokens: [token] })),
    )
    const pairs = new Float64Array(vocabSize * vocabSize)
    likely.forEach((token, index) => {
      const second = softmax(scaled((forks[index] as { lastLogits: Float32Array }).lastLogits))
      for (let next = 0; next < vocabSize; next++) {
        pairs[token * vocabSize + next] = (first[token] as number) * (second[next] as number)
      }
    })
    for (const fork of forks) fork.dispose()
    root.dispose()

    const count = (sequences: ReadonlyArray<{ tokenIds: readonly number[] }>) => {
      const firstCounts = new Float64Array(vocabSize)
      const pairCounts = new Float64Array(vocabSize * vocabSize)
      for (const { tokenIds } of sequences) {
        const [a, b] = tokenIds as [number, number]
        firstCounts[a] = (firstCounts[a] as number) + 1
        pairCounts[a * vocabSize + b] = (pairCounts[a * vocabSize + b] as number) + 1
      }
      return { firstCounts, pairCounts }
    }
    const speculative = await speculativeDecode({
      target,
      drafter: createModelDrafter(draft),
      prompt,
      n: runs,
      maxTokens: 2,
      k: 3,
      seed: 2024,
      sampling: { temperature },
    })
    const direct = await sampleSequences({
      models: [target],
      prompt,
      n: runs,
      maxTokens: 2,
      seed: 7,
      sampling: { temperature },
    })
    // One sample per call goes to the target's backend (TokenModel.speculativeTokens), which
    // runs the same rounds inside its worker: the same tests apply to its draws.
    const inWorker = []
    const inWorkerCounts = { drafted: 0, accepted: 0 }
    let backendCalls = 0
    const speculativeTokens = target.speculativeTokens?.bind(target)
    const targetWithCount = target as { speculativeTokens?: typeof speculativeTokens }
    targetWithCount.speculativeTokens = (request) => {
      backendCalls++
      return (speculativeTokens as NonNullable<typeof speculativeTokens>)(request)
    }
    try {
      for (let index = 0; index < runs; index++) {
        const one = await speculativeDecode({
          target,
          drafter: createModelDrafter(draft),
          prompt,
          maxTokens: 2,
          k: 3,
          seed: 5000 + index,
          sampling: { temperature },
        })
        inWorker.push(...one.sequences)
        inWorkerCounts.drafted += one.stats.draftedTokens
        inWorkerCounts.accepted += one.stats.acceptedTokens
      }
    } finally {
      targetWithCount.speculativeTokens = speculativeTokens
    }
    expect(backendCalls).toBe(runs)
    const observed = count(speculative.sequences)
    const reference = count(direct.sequences)
    const observedInWorker = count(inWorker)
    const tests = {
      firstExact: chiSquaredGoodnessOfFit(observed.firstCounts, first),
      pairExact: chiSquaredGoodnessOfFit(observed.pairCounts, pairs),
      firstDirect: chiSquaredTwoSample(observed.firstCounts, reference.firstCounts),
      pairDirect: chiSquaredTwoSample(observed.pairCounts, reference.pairCounts),
      inWorkerFirstExact: chiSquaredGoodnessOfFit(observedInWorker.firstCounts, first),
      inWorkerPairExact: chiSquaredGoodnessOfFit(observedInWorker.pairCounts, pairs),
      inWorkerFirstDirect: chiSquaredTwoSample(observedInWorker.firstCounts, reference.firstCounts),
    }
    for (const [name, test] of Object.entries(tests)) {
      expect(test.degreesOfFreedom, name).toBeGreaterThanOrEqual(2)
      expect(test.pValue, `${name}: ${JSON.stringify(test)}`).toBeGreaterThan(0.001)
    }
    // The draft really disagreed sometimes, so the rejection path was exercised.
    expect(speculative.stats.acceptanceRate).toBeLessThan(0.95)
    expect(speculative.stats.draftedTokens).toBeGreaterThanOrEqual(runs)
    expect(inWorkerCounts.accepted / inWorkerCounts.drafted).toBeLessThan(0.95)
    expect(inWorkerCounts.drafted).toBeGreaterThanOrEqual(runs)
    console.log(
      'speculative sampling chi-squared p-values:',
      JSON.stringify(
        Object.fromEntries(
          Object.entries(tests).map(([name, test]) => [name, test.pValue.toFixed(3)]),
        ),
      ),
      'acceptance rate',
      speculative.stats.acceptanceRate.toFixed(3),
    )
  })
})
