// Integration tests of the decoders on the real tinymath ONNX models through @metagen/onnx.
import { logSoftmax, type TokenModel } from '@metagen/core'
import { loadOnnxTokenModel } from '@metagen/onnx'
import {
  formatPrompt,
  isCorrect,
  loadDevSet,
  type TinymathProblem,
  tinymathModelPaths,
} from '@metagen/tinymath'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  beamSearch,
  contrastiveDecoding,
  contrastiveSearch,
  createContrastiveDecodingLanguageModel,
  createTokenLanguageModel,
  diverseBeamSearch,
  logitArithmetic,
  sampleSequences,
  scoreTokenContinuations,
} from '../src/index.js'

let generator: TokenModel
let draft: TokenModel
let problems: TinymathProblem[]

beforeAll(async () => {
  ;[generator, draft] = await Promise.all([
    loadOnnxTokenModel(tinymathModelPaths['tinymath-generator'], { modelId: 'tinymath-generator' }),
    loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], { modelId: 'tinymath-draft' }),
  ])
  // A spread of difficulties: problems 0, 60, 120, ... have 1..5 operations.
  const all = await loadDevSet()
  problems = [0, 1, 60, 61, 120, 121, 180, 181, 240, 241].map((index) => all[index]!)
})

afterAll(async () => {
  await Promise.all([generator?.close(), draft?.close()])
})

const promptIds = (model: TokenModel, problem: TinymathProblem) =>
  model.tokenizer.encode(formatPrompt(problem.question))

describe('createTokenLanguageModel on tinymath-generator', () => {
  it('solves dev problems greedily and reports usage', async () => {
    const model = createTokenLanguageModel(generator)
    let correct = 0
    for (const problem of problems) {
      const result = await model.generate({
        prompt: formatPrompt(problem.question),
        temperature: 0,
      })
      const output = result.outputs[0]!
      if (isCorrect(output.text, problem.answer)) correct++
      expect(output.finishReason).toBe('stop')
      expect(result.usage.inputTokens).toBe(promptIds(generator, problem).length)
      expect(result.usage.outputTokens).toBe(output.tokenIds!.length)
    }
    // The model card reports 0.983 greedy accuracy on the dev set.
    expect(correct).toBeGreaterThanOrEqual(9)
  })

  it('decodes n samples after ONE prefill, one batched pass per step', async () => {
    const model = createTokenLanguageModel(generator)
    const prompt = formatPrompt(problems[4]!.question)
    const before = generator.stats()
    const result = await model.generate({ prompt, n: 8, seed: 11, temperature: 1 })
    const after = generator.stats()
    const longest = Math.max(...result.outputs.map((output) => output.tokenIds!.length))
    const promptLength = generator.tokenizer.encode(prompt).length
    expect(after.sequencesCreated - before.sequencesCreated).toBe(1)
    expect(after.forks - before.forks).toBe(8)
    // One prefill pass, then one pass per step until the longest sample's last fed token.
    expect(after.forwardPasses - before.forwardPasses).toBe(1 + longest - 1)
    const generated = result.outputs.reduce((total, output) => total + output.tokenIds!.length, 0)
    expect(after.tokensProcessed - before.tokensProcessed).toBe(promptLength + generated - 8)
    expect(after.liveSequences).toBe(before.liveSequences)
    expect(result.usage.inputTokens).toBe(promptLength)
    // FLOPs: the positions the passes computed (here every sample runs to the same length, so
    // no ghost rows: exactly the tokens fed).
    expect(result.usage.flops).toBe(
      2 * generator.parameterCount * (after.computedPositions! - before.computedPositions!),
    )
    expect(after.computedPositions! - before.computedPositions!).toBeGreaterThanOrEqual(
      promptLength + generated - 8,
    )
  })

  it('replays a seed exactly, and sample i does not depend on n', async () => {
    const model = createTokenLanguageModel(draft)
    const prompt = formatPrompt(problems[6]!.question)
    const first = await model.generate({ prompt, n: 6, seed: 2024, temperature: 1 })
    const again = await model.generate({ prompt, n: 6, seed: 2024, temperature: 1 })
    const fewer = await model.generate({ prompt, n: 2, seed: 2024, temperature: 1 })
    const texts = (result: typeof first) => result.outputs.map((output) => output.text)
    expect(texts(again)).toEqual(texts(first))
    expect(texts(fewer)).toEqual(texts(first).slice(0, 2))
    expect(new Set(texts(first)).size).toBeGreaterThan(1)
  })

  it('reports logprobs that agree with teacher-forced scoring', async () => {
    const model = createTokenLanguageModel(generator)
    const prompt = formatPrompt(problems[2]!.question)
    const result = await model.generate({ prompt, temperature: 0, logprobs: true, topLogprobs: 3 })
    const output = result.outputs[0]!
    const scored = await model.scoreContinuations!({ prompt, continuations: [output.text] })
    const textLogprobs = scored.continuations[0]!.logprobs
    // Greedy logprobs are the T=1 distribution; the eos token is not part of the text.
    expect(textLogprobs.length).toBe(output.tokenIds!.length - 1)
    textLogprobs.forEach((entry, index) => {
      expect(entry.logprob).toBeCloseTo(output.logprobs![index]!.logprob, 3)
    })
    expect(output.logprobs![0]!.topLogprobs![0]!.logprob).toBeCloseTo(
      output.logprobs![0]!.logprob,
      6,
    )
  })
})

describe('beam search on the real models', () => {
  it('with width 1 equals greedy decoding', async () => {
    for (const problem of problems.slice(0, 5)) {
      const prompt = promptIds(draft, problem)
      const greedy = await sampleSequences({
        models: [draft],
        prompt,
        sampling: { temperature: 0 },
        maxTokens: 80,
      })
      const beam = await beamSearch({
        model: draft,
        prompt,
        beamWidth: 1,
        lengthPenalty: 0,
        maxTokens: 80,
      })
      expect(beam.sequences[0]!.tokenIds).toEqual(greedy.sequences[0]!.tokenIds)
    }
    expect(draft.stats().liveSequences).toBe(0)
  })

  it('matches exhaustive search over a short horizon with a restricted vocabulary', async () => {
    const horizon = 3
    for (const problem of problems.slice(0, 3)) {
      const prompt = promptIds(draft, problem)
      // Restrict to the 4 tokens most likely after the prompt (a small vocabulary of real tokens).
      const probe = draft.createSequence()
      await draft.extend([{ sequence: probe, tokens: prompt }])
      const first = Array.from(probe.lastLogits!)
      const allowed = first
        .map((value, token) => ({ value, token }))
        .sort((left, right) => right.value - left.value)
        .slice(0, 4)
        .map((entry) => entry.token)
        .filter((token) => !draft.tokenizer.eosTokenIds.includes(token))
      // Exhaustive: every allowed sequence of length `horizon`, in one batched teacher-forcing pass.
      const sequences: number[][] = [[]]
      for (let step = 0; step < horizon; step++) {
        const next: number[][] = []
        for (const sequence of sequences)
          for (const token of allowed) next.push([...sequence, token])
        sequences.splice(0, sequences.length, ...next)
      }
      const forks = sequences.map(() => probe.fork())
      const rows = await draft.extend(
        sequences.map((tokens, index) => ({
          sequence: forks[index]!,
          tokens,
          logits: 'all' as const,
        })),
      )
      const restricted = (row: ArrayLike<number>) => logSoftmax(allowed.map((token) => row[token]!))
      let best = { tokens: [] as number[], logprob: Number.NEGATIVE_INFINITY }
      sequences.forEach((tokens, index) => {
        let logprob = restricted(first)[allowed.indexOf(tokens[0]!)]!
        for (let position = 1; position < horizon; position++) {
          const row = rows[index]!.logits.subarray(
            (position - 1) * draft.vocabSize,
            position * draft.vocabSize,
          )
          logprob += restricted(row)[allowed.indexOf(tokens[position]!)]!
        }
        if (logprob > best.logprob) best = { tokens, logprob }
      })
      for (const fork of forks) fork.dispose()
      probe.dispose()
      const common = {
        model: draft,
        prompt,
        maxTokens: horizon,
        lengthPenalty: 0,
        processors: { allowedTokenIds: allowed },
      }
      const full = await beamSearch({ ...common, beamWidth: allowed.length ** (horizon - 1) })
      expect(full.sequences[0]!.tokenIds).toEqual(best.tokens)
      expect(full.sequences[0]!.sequenceLogprob).toBeCloseTo(best.logprob, 3)
      const narrow = await beamSearch({ ...common, beamWidth: 2 })
      expect(narrow.sequences[0]!.sequenceLogprob).toBeLessThanOrEqual(best.logprob + 1e-4)
    }
    expect(draft.stats().liveSequences).toBe(0)
  })

  it('beam 4 shares the prompt prefill and returns n-best hypotheses; diverse beam runs', async () => {
    const prompt = promptIds(draft, problems[8]!)
    const before = draft.stats()
    const result = await beamSearch({ model: draft, prompt, beamWidth: 4, maxTokens: 100 })
    const after = draft.stats()
    expect(after.sequencesCreated - before.sequencesCreated).toBe(1)
    expect(result.sequences.length).toBeGreaterThanOrEqual(4)
    expect(result.stats.forwardPasses).toBe(after.forwardPasses - before.forwardPasses)
    const diverse = await diverseBeamSearch({
      model: draft,
      prompt,
      beamWidth: 4,
      groups: 2,
      maxTokens: 100,
    })
    expect(new Set(diverse.sequences.map((hypothesis) => hypothesis.group))).toEqual(
      new Set([0, 1]),
    )
    expect(draft.stats().liveSequences).toBe(0)
  })
})

describe('contrastive methods and logit arithmetic on the real models', () => {
  it('contrastive decoding (expert generator, amateur draft) decodes and reports expert logprobs', async () => {
    const problem = problems[3]!
    const result = await contrastiveDecoding({
      expert: generator,
      amateur: draft,
      prompt: promptIds(generator, problem),
      maxTokens: 120,
      alpha: 0.1,
    })
    const sequence = result.sequences[0]!
    expect(sequence.tokenIds.length).toBeGreaterThan(3)
    const model = createTokenLanguageModel(generator)
    const scored = await model.scoreContinuations!({
      prompt: formatPrompt(problem.question),
      continuations: [generator.tokenizer.decode(sequence.tokenIds.slice(0, 5))],
    })
    scored.continuations[0]!.logprobs.forEach((entry, index) => {
      expect(entry.logprob).toBeCloseTo(sequence.logprobs[index]!, 3)
    })
    // Plausibility constraint: every chosen token has p_expert >= 0.1 x max p_expert >= 0.1/512.
    for (const logprob of sequence.logprobs)
      expect(logprob).toBeGreaterThanOrEqual(Math.log(0.1 / 512))
    const languageModel = createContrastiveDecodingLanguageModel({
      expert: generator,
      amateur: draft,
    })
    const generated = await languageModel.generate({
      prompt: formatPrompt(problem.question),
      maxTokens: 120,
    })
    expect(generated.outputs[0]!.tokenIds).toEqual(sequence.tokenIds)
    expect(generated.usage.flops).toBeGreaterThan(0)
  })

  it('contrastive search with alpha 0 equals greedy, and with alpha 0.6 decodes', async () => {
    const prompt = promptIds(generator, problems[5]!)
    const greedy = await sampleSequences({
      models: [generator],
      prompt,
      sampling: { temperature: 0 },
      maxTokens: 60,
    })
    const plain = await contrastiveSearch({ model: generator, prompt, alpha: 0, maxTokens: 60 })
    expect(plain.sequences[0]!.tokenIds).toEqual(greedy.sequences[0]!.tokenIds)
    const penalised = await contrastiveSearch({
      model: generator,
      prompt,
      alpha: 0.6,
      topK: 4,
      maxTokens: 60,
    })
    expect(penalised.sequences[0]!.tokenIds.length).toBeGreaterThan(0)
    expect(generator.stats().liveSequences).toBe(0)
  })

  it('logit arithmetic draft + 1 x (generator - draft) decodes like the generator', async () => {
    const prompt = promptIds(generator, problems[7]!)
    const greedy = await sampleSequences({
      models: [generator],
      prompt,
      sampling: { temperature: 0 },
      maxTokens: 80,
    })
    const steered = await logitArithmetic({
      base: draft,
      expert: generator,
      antiExpert: draft,
      alpha: 1,
      prompt,
      maxTokens: 80,
      sampling: { temperature: 0 },
    })
    expect(steered.sequences[0]!.tokenIds).toEqual(greedy.sequences[0]!.tokenIds)
  })
})

describe('FLOPs count the positions batched passes compute (padding and ghost rows)', () => {
  const computedSince = (model: TokenModel, before: { computedPositions?: number }) =>
    model.stats().computedPositions! - before.computedPositions!

  it('charges single-sequence unpadded generation exactly its tokens fed, as before', async () => {
    const prompt = promptIds(generator, problems[2]!)
    const result = await sampleSequences({
      models: [generator],
      prompt,
      sampling: { temperature: 0 },
      maxTokens: 80,
    })
    const generated = result.sequences[0]!.tokenIds.length
    expect(result.sequences[0]!.finishReason).toBe('stop')
    // The prompt, then every generated token but the last.
    expect(result.stats.flops).toBe(2 * generator.parameterCount * (prompt.length + generated - 1))
  })

  it('charges the ghost rows that samples finished early leave in a reused block', async () => {
    const prompt = promptIds(draft, problems[9]!)
    const before = draft.stats()
    const result = await sampleSequences({
      models: [draft],
      prompt,
      n: 6,
      seed: 5,
      sampling: { temperature: 1.6 },
      maxTokens: 60,
    })
    const lengths = result.sequences.map((sequence) => sequence.tokenIds.length)
    // Samples of different lengths: the survivors keep the block, the finished ride along.
    expect(new Set(lengths).size).toBeGreaterThan(1)
    const fed = draft.stats().tokensProcessed - before.tokensProcessed
    const computed = computedSince(draft, before)
    expect(fed).toBe(prompt.length + lengths.reduce((sum, length) => sum + length - 1, 0))
    expect(computed).toBeGreaterThan(fed)
    expect(result.stats.tokensProcessed).toBe(fed)
    expect(result.stats.flops).toBe(2 * draft.parameterCount * computed)
  })

  it('charges teacher forcing of continuations of different lengths the padded pass', async () => {
    const prompt = promptIds(generator, problems[0]!)
    const continuations = [[221], [221, 17, 18, 19], [17, 18]]
    const { stats } = await scoreTokenContinuations(generator, { prompt, continuations })
    // The prompt pass, then one pass of 3 rows x the longest continuation.
    expect(stats.tokensProcessed).toBe(prompt.length + 7)
    expect(stats.flops).toBe(2 * generator.parameterCount * (prompt.length + 3 * 4))
  })

  it('splits passes shared by concurrent generations so that their charges sum to them', async () => {
    const model = createTokenLanguageModel(generator)
    const before = generator.stats()
    const [first, second] = await Promise.all(
      [problems[1]!, problems[8]!].map((problem, index) =>
        model.generate({
          prompt: formatPrompt(problem.question),
          n: 2,
          seed: 30 + index,
          temperature: 1,
        }),
      ),
    )
    const computed = computedSince(generator, before)
    expect(first!.usage.flops! + second!.usage.flops!).toBe(2 * generator.parameterCount * computed)
    expect(computed).toBeGreaterThanOrEqual(
      generator.stats().tokensProcessed - before.tokensProcessed,
    )
    // Usage's token counts stay the real tokens.
    expect(first!.usage.inputTokens).toBe(promptIds(generator, problems[1]!).length)
    expect(second!.usage.inputTokens).toBe(promptIds(generator, problems[8]!).length)
    expect(first!.usage.outputTokens).toBe(
      first!.outputs.reduce((sum, output) => sum + output.tokenIds!.length, 0),
    )
  })
})
