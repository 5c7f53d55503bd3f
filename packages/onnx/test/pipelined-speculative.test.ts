// Pipelined greedy speculative decoding (speculativeTokens at temperature 0): the draft model
// runs on its own thread inside the target's worker and drafts ahead while the target
// verifies. Whatever the draft thread guessed, the tokens are the target's greedy tokens; its
// counters add up; aborts end the job; a failing draft thread fails the job instead of hanging
// it; and the draft thread releases its sequence after every job (it refuses a job while it
// still holds one, so the back-to-back jobs below would fail otherwise).
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { AbortedError, type SequenceState } from '@metagen/core'
import { formatPrompt, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadOnnxTokenModel, type OnnxTokenModel } from '../dist/index.js'

let target: OnnxTokenModel
let draft: OnnxTokenModel
let prompts: number[][]

beforeAll(async () => {
  target = await loadOnnxTokenModel(tinymathModelPaths['tinymath-generator'], {
    threads: 1,
    speculativePipeline: true,
  })
  draft = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], { threads: 1 })
  const problems = (await loadDevSet()).filter((_, index) => index % 50 === 3).slice(0, 2)
  prompts = problems.map((problem) => target.tokenizer.encode(formatPrompt(problem.question)))
})

afterAll(async () => {
  await target.close()
  await draft.close()
})

async function prefilled(model: OnnxTokenModel, prompt: readonly number[]): Promise<SequenceState> {
  const sequence = model.createSequence()
  await model.extend([{ sequence, tokens: [...prompt] }])
  return sequence
}

async function greedyReference(prompt: readonly number[], maxTokens: number) {
  const sequence = await prefilled(target, prompt)
  const [reference] = await target.sampleTokens({
    sequences: [sequence],
    temperature: 0,
    maxTokens,
    stopTokenIds: target.tokenizer.eosTokenIds,
  })
  sequence.dispose()
  return reference as { tokenIds: number[]; logprobs: number[]; finishReason: string }
}

async function speculate(
  prompt: readonly number[],
  settings: { k: number; adaptive: boolean; maxTokens: number; drafter?: OnnxTokenModel },
) {
  const sequence = await prefilled(target, prompt)
  const draftBefore = (settings.drafter ?? draft).stats()
  const result = await target.speculativeTokens({
    sequence,
    draft: settings.drafter ?? draft,
    k: settings.k,
    adaptive: settings.adaptive,
    maxK: 12,
    maxTokens: settings.maxTokens,
    stopTokenIds: target.tokenizer.eosTokenIds,
  })
  const draftAfter = (settings.drafter ?? draft).stats()
  const length = sequence.length
  sequence.dispose()
  if (!result) throw new Error('speculativeTokens resolved to undefined for an ONNX draft')
  return { result, length, draftBefore, draftAfter }
}

describe('pipelined greedy speculativeTokens (draft thread)', () => {
  it('chooses exactly the target greedy tokens for k = 2, 4, 8 and adaptive k, with truthful counters', async () => {
    for (const prompt of prompts) {
      const reference = await greedyReference(prompt, 150)
      for (const [k, adaptive] of [
        [2, false],
        [4, false],
        [8, false],
        [4, true],
      ] as const) {
        const label = `k=${k} adaptive=${adaptive}`
        const { result, length, draftBefore, draftAfter } = await speculate(prompt, {
          k,
          adaptive,
          maxTokens: 150,
        })
        expect(result.tokenIds, label).toEqual(reference.tokenIds)
        expect(result.finishReason, label).toBe(reference.finishReason)
        result.logprobs.forEach((logprob, index) => {
          expect(logprob).toBeCloseTo(reference.logprobs[index] as number, 4)
        })
        expect(length).toBe(prompt.length + result.tokenIds.length - 1)
        // The draft's counters reach its model's stats; it fed its prefill and at least every
        // draft the target verified but the last of each round.
        expect(draftAfter.forwardPasses - draftBefore.forwardPasses).toBe(result.draftForwardPasses)
        expect(draftAfter.tokensProcessed - draftBefore.tokensProcessed).toBe(result.draftTokensFed)
        expect(result.draftTokensFed).toBeGreaterThanOrEqual(
          prompt.length + result.draftedTokens - result.rounds,
        )
        expect(result.draftForwardPasses).toBeGreaterThanOrEqual(1)
        expect(result.acceptedTokens).toBeLessThanOrEqual(result.draftedTokens)
        expect(result.draftedTokens).toBeLessThanOrEqual(result.rounds * 12)
        expect(result.targetTokensFed).toBeLessThanOrEqual(
          result.tokenIds.length + result.rounds * (12 + 1),
        )
      }
    }
  })

  it('verifies on its own single-threaded session when the target runs several threads, with the same tokens', async () => {
    const prompt = prompts[0] as number[]
    const reference = await greedyReference(prompt, 100)
    const threaded = await loadOnnxTokenModel(tinymathModelPaths['tinymath-generator'], {
      threads: 2,
      spinning: 'never',
      speculativePipeline: true,
    })
    try {
      for (const [k, adaptive] of [
        [4, false],
        [2, true],
      ] as const) {
        const sequence = await prefilled(threaded, prompt)
        const result = await threaded.speculativeTokens({
          sequence,
          draft,
          k,
          adaptive,
          maxK: 8,
          maxTokens: 100,
          stopTokenIds: threaded.tokenizer.eosTokenIds,
        })
        expect(result?.tokenIds, `k=${k} adaptive=${adaptive}`).toEqual(reference.tokenIds)
        // The cache the verification session left is the worker's: extend continues it.
        const [continued] = await threaded.extend([
          { sequence, tokens: [result?.tokenIds.at(-1) as number] },
        ])
        expect(continued?.logits.length).toBe(threaded.vocabSize)
        expect(sequence.length).toBe(prompt.length + (result?.tokenIds.length ?? 0))
        sequence.dispose()
      }
    } finally {
      await threaded.close()
    }
  })

  it('stays exact when the drafts disagree often (draft resets) and when they never do', async () => {
    // A context of arbitrary tokens: the draft model rarely agrees with the target there, so
    // most rounds end in a correction and a reset of the draft thread.
    const noise = Array.from({ length: 40 }, (_, index) => 4 + ((index * 37 + 11) % 60))
    const reference = await greedyReference(noise, 60)
    const { result } = await speculate(noise, { k: 4, adaptive: false, maxTokens: 60 })
    expect(result.tokenIds).toEqual(reference.tokenIds)
    expect(result.acceptedTokens).toBeLessThan(result.draftedTokens)
    // The generator drafting for itself: every draft is accepted, no reset.
    const prompt = prompts[0] as number[]
    const selfReference = await greedyReference(prompt, 80)
    const self = await speculate(prompt, { k: 4, adaptive: true, maxTokens: 80, drafter: target })
    expect(self.result.tokenIds).toEqual(selfReference.tokenIds)
    expect(self.result.acceptedTokens).toBe(self.result.draftedTokens)
  })

  it('runs concurrent jobs with one draft model one after another, each exact', async () => {
    const references = await Promise.all(prompts.map((prompt) => greedyReference(prompt, 90)))
    const sequences = await Promise.all(prompts.map((prompt) => prefilled(target, prompt)))
    const results = await Promise.all(
      sequences.map((sequence, index) =>
        target.speculativeTokens({
          sequence,
          draft,
          k: 2 + 2 * index,
          adaptive: index === 1,
          maxK: 8,
          maxTokens: 90,
          stopTokenIds: target.tokenizer.eosTokenIds,
        }),
      ),
    )
    results.forEach((result, index) => {
      expect(result?.tokenIds).toEqual(references[index]?.tokenIds)
    })
    for (const sequence of sequences) sequence.dispose()
  })

  it('stays exact on the fixture architectures (GQA with its own draft, float16 cache, no position ids)', async () => {
    const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')
    for (const [targetName, draftName, dtype] of [
      ['llama-gqa', 'llama-gqa-draft', undefined],
      ['qwen2', 'qwen2', 'fp16'],
      ['gpt2-legacy', 'gpt2-legacy', undefined],
    ] as const) {
      const options = {
        threads: 2,
        spinning: 'never' as const,
        speculativePipeline: true,
        ...(dtype ? { dtype } : {}),
      }
      const fixtureTarget = await loadOnnxTokenModel(join(fixtures, targetName), options)
      const fixtureDraft =
        draftName === targetName
          ? fixtureTarget
          : await loadOnnxTokenModel(join(fixtures, draftName), options)
      try {
        const prompt = fixtureTarget.tokenizer.encode('12+7=19. 3*4=')
        const plain = await prefilled(fixtureTarget, prompt)
        const [reference] = await fixtureTarget.sampleTokens({
          sequences: [plain],
          temperature: 0,
          maxTokens: 40,
          stopTokenIds: [],
        })
        plain.dispose()
        const sequence = await prefilled(fixtureTarget, prompt)
        const result = await fixtureTarget.speculativeTokens({
          sequence,
          draft: fixtureDraft,
          k: 4,
          adaptive: false,
          maxK: 4,
          maxTokens: 40,
          stopTokenIds: [],
        })
        sequence.dispose()
        expect(result?.tokenIds, targetName).toEqual(reference?.tokenIds)
        expect(result?.tokenIds).toHaveLength(40)
      } finally {
        await fixtureTarget.close()
        if (fixtureDraft !== fixtureTarget) await fixtureDraft.close()
      }
    }
  })

  it('ends the job on abort and drafts again for the next job', async () => {
    const prompt = prompts[1] as number[]
    const sequence = await prefilled(target, prompt)
    // A signal that reports the abort as soon as a listener is registered, i.e. after the
    // main thread's own check: the worker sees the abort flag at its first round.
    const signal = {
      aborted: false,
      reason: new Error('stop'),
      addEventListener: (_type: string, listener: () => void) => listener(),
      removeEventListener: () => undefined,
    } as unknown as AbortSignal
    await expect(
      target.speculativeTokens({
        sequence,
        draft,
        k: 4,
        adaptive: false,
        maxK: 4,
        maxTokens: 50,
        stopTokenIds: target.tokenizer.eosTokenIds,
        signal,
      }),
    ).rejects.toThrow(AbortedError)
    expect(sequence.length).toBe(prompt.length)
    sequence.dispose()
    const reference = await greedyReference(prompt, 50)
    const { result } = await speculate(prompt, { k: 4, adaptive: false, maxTokens: 50 })
    expect(result.tokenIds).toEqual(reference.tokenIds)
  })

  it('fails the call with the draft thread error instead of hanging', async () => {
    // A draft model whose file is unreadable by the time the target loads it beside itself.
    const folder = mkdtempSync(join(tmpdir(), 'metagen-draft-'))
    try {
      cpSync(tinymathModelPaths['tinymath-draft'], folder, { recursive: true })
      const broken = await loadOnnxTokenModel(folder, { threads: 1 })
      writeFileSync(join(folder, 'onnx', 'model.onnx'), 'not an onnx model')
      const sequence = await prefilled(target, prompts[0] as number[])
      await expect(
        target.speculativeTokens({
          sequence,
          draft: broken,
          k: 4,
          adaptive: false,
          maxK: 4,
          maxTokens: 20,
          stopTokenIds: target.tokenizer.eosTokenIds,
        }),
      ).rejects.toThrow(/cannot load the draft model/)
      sequence.dispose()
      await broken.close()
    } finally {
      rmSync(folder, { recursive: true, force: true })
    }
    // Closing the target while a pipelined job runs ends the draft thread under it: the call
    // settles (an error, or its result if it was already done), it does not hang.
    const closing = await loadOnnxTokenModel(tinymathModelPaths['tinymath-generator'], {
      threads: 1,
      speculativePipeline: true,
    })
    const sequence = await prefilled(closing, prompts[0] as number[])
    const warmUp = await closing.speculativeTokens({
      sequence: await prefilled(closing, prompts[1] as number[]),
      draft,
      k: 4,
      adaptive: false,
      maxK: 4,
      maxTokens: 4,
      stopTokenIds: [],
    })
    expect(warmUp?.tokenIds).toHaveLength(4)
    const job = closing.speculativeTokens({
      sequence,
      draft,
      k: 4,
      adaptive: false,
      maxK: 4,
      maxTokens: 200,
      stopTokenIds: [],
    })
    const settled = job.then(
      (result) => ({ result, error: undefined }),
      (error: unknown) => ({ result: undefined, error }),
    )
    // The job's request is posted once its (already attached) draft resolves: a turn later.
    await new Promise((resolve) => setImmediate(resolve))
    await closing.close()
    const outcome = await settled
    if (outcome.error === undefined) expect(outcome.result?.tokenIds).toHaveLength(200)
    else expect(outcome.error).toBeInstanceOf(Error)
  })
})
