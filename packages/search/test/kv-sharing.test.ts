// Integration: the token-level step proposer on the REAL tinymath-draft through @metagen/onnx.
// The backend's counters show that expanding K children of a node feeds only the new tokens.
import { createRunContext, type TokenModel } from '@metagen/core'
import { createTokenLanguageModel } from '@metagen/decoders'
import { loadOnnxTokenModel, type OnnxTokenModel } from '@metagen/onnx'
import { extractAnswer, formatPrompt, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLanguageModelStepProposer } from '../src/language-model-step-proposer.js'
import type { StepState } from '../src/step-proposer.js'
import { createTokenModelStepProposer } from '../src/token-model-step-proposer.js'

let model: OnnxTokenModel
let prompt: string

beforeAll(async () => {
  model = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], {
    modelId: 'tinymath-draft',
  })
  const [problem] = await loadDevSet()
  if (!problem) throw new Error('empty dev set')
  prompt = formatPrompt(problem.question)
})

afterAll(async () => {
  await model?.close()
})

/**
 * Tokens of each child that were fed: all but its last, which is fed only if the child is
 * expanded (never when it finished the solution).
 */
function fedTokens(parent: StepState, children: readonly { state: StepState }[]): number {
  return children.reduce(
    (sum, child) => sum + child.state.generatedTokens - parent.generatedTokens - 1,
    0,
  )
}

describe('token-model step proposer on tinymath-draft', () => {
  it('prefills the prompt once and then feeds only each child’s new tokens', async () => {
    const proposer = createTokenModelStepProposer({
      model,
      isComplete: (text) => extractAnswer(text) !== undefined,
    })
    const context = createRunContext({ seed: 1 })
    const promptTokens = model.tokenizer.encode(prompt).length
    const start = model.stats()
    const { root } = await proposer.start({ prompt }, context)
    const afterStart = model.stats()
    expect(afterStart.tokensProcessed - start.tokensProcessed).toBe(promptTokens)

    const K = 4
    const first = await proposer.propose([{ state: root, count: K }], context)
    const afterFirst = model.stats()
    const children = first.results[0]?.children ?? []
    expect(children).toHaveLength(K)
    expect(afterFirst.forks - afterStart.forks).toBe(K)
    // Only the new tokens are processed: the prompt is never fed again.
    expect(afterFirst.tokensProcessed - afterStart.tokensProcessed).toBe(fedTokens(root, children))
    expect(afterFirst.tokensProcessed - afterStart.tokensProcessed).toBeLessThan(K * promptTokens)
    // One batched pass per token step, not one per child.
    const longest = Math.max(...children.map((child) => child.state.generatedTokens))
    expect(afterFirst.forwardPasses - afterStart.forwardPasses).toBeLessThanOrEqual(longest)
    expect(afterFirst.batchRows - afterStart.batchRows).toBe(fedTokens(root, children))

    // Expanding a depth-1 node: its prompt + step prefix is shared by all K grandchildren.
    const parent = children.find((child) => !child.state.finished)?.state
    if (!parent) throw new Error('every first step finished the solution')
    const second = await proposer.propose([{ state: parent, count: K }], context)
    const afterSecond = model.stats()
    const grandchildren = second.results[0]?.children ?? []
    expect(grandchildren).toHaveLength(K)
    for (const child of grandchildren) expect(child.state.text.startsWith(parent.text)).toBe(true)
    expect(afterSecond.forks - afterFirst.forks).toBe(K)
    // Plus the parent's closing delimiter, fed once now that it is expanded.
    expect(afterSecond.tokensProcessed - afterFirst.tokensProcessed).toBe(
      1 + fedTokens(parent, grandchildren),
    )
    for (const child of [...children, ...grandchildren]) proposer.release(child.state)
    proposer.release(root)
  })

  it('samples inside the backend (sampleTokens) exactly as the per-token extend loop does (greedy)', async () => {
    // The same model without sampleTokens: the proposer falls back to one extend per token.
    const stepwise: TokenModel = {
      specificationVersion: 'v1',
      modelId: model.modelId,
      tokenizer: model.tokenizer,
      vocabSize: model.vocabSize,
      maxSequenceLength: model.maxSequenceLength,
      parameterCount: model.parameterCount,
      createSequence: () => model.createSequence(),
      extend: (requests, options) => model.extend(requests, options),
      stats: () => model.stats(),
      close: async () => {},
    }
    const isComplete = (text: string) => extractAnswer(text) !== undefined
    const liveBefore = model.stats().liveSequences
    const outcomes = []
    for (const backend of [model, stepwise]) {
      const proposer = createTokenModelStepProposer({ model: backend, isComplete, temperature: 0 })
      const context = createRunContext({ seed: 3 })
      const before = model.stats()
      const { root } = await proposer.start({ prompt }, context)
      const states: StepState[] = [root]
      const steps: Array<{ text: string; finishReason: unknown; tokens: number; flops: unknown }> =
        []
      // Depth-first along the first unfinished child, three children per node, until solved.
      for (let depth = 0; depth < 12; depth++) {
        const parent = states.at(-1) as StepState
        const response = await proposer.propose([{ state: parent, count: 3 }], context)
        const children = response.results[0]?.children ?? []
        for (const child of children) {
          steps.push({
            text: child.state.text,
            finishReason: child.state.finishReason,
            tokens: child.state.generatedTokens,
            flops: child.usage.flops,
          })
        }
        const next = children.find((child) => !child.state.finished)?.state
        for (const child of children) if (child.state !== next) proposer.release(child.state)
        if (!next) break
        states.push(next)
      }
      for (const state of states) proposer.release(state)
      outcomes.push({ steps, fed: model.stats().tokensProcessed - before.tokensProcessed })
    }
    expect(outcomes[0]?.steps.length).toBeGreaterThan(3)
    expect(outcomes[0]).toEqual(outcomes[1])
    expect(model.stats().liveSequences).toBe(liveBefore)
  })

  it('charges FLOPs for the positions its passes computed (padding and ghost rows included)', async () => {
    const proposer = createTokenModelStepProposer({
      model,
      isComplete: (text) => extractAnswer(text) !== undefined,
    })
    const context = createRunContext({ seed: 9 })
    const before = model.stats()
    const { root, usage: startUsage } = await proposer.start({ prompt }, context)
    let flops = startUsage.flops ?? 0
    let frontier: StepState[] = [root]
    for (let depth = 0; depth < 3 && frontier.length > 0; depth++) {
      const response = await proposer.propose(
        frontier.map((state) => ({ state, count: 3 })),
        context,
      )
      flops += response.usage.flops ?? 0
      const children = response.results.flatMap((result) => result.children)
      // The children's shares add up to the call's FLOPs.
      const shares = children.reduce((sum, child) => sum + (child.usage.flops ?? 0), 0)
      expect(shares).toBeCloseTo(response.usage.flops ?? 0, -2)
      for (const state of frontier) proposer.release(state)
      const open = children.filter((child) => !child.state.finished).map((child) => child.state)
      for (const child of children)
        if (!open.slice(0, 2).includes(child.state)) proposer.release(child.state)
      frontier = open.slice(0, 2)
    }
    for (const state of frontier) proposer.release(state)
    const after = model.stats()
    const computed = (after.computedPositions ?? 0) - (before.computedPositions ?? 0)
    expect(flops).toBe(2 * model.parameterCount * computed)
    expect(computed).toBeGreaterThanOrEqual(after.tokensProcessed - before.tokensProcessed)
  })

  it('contrast: the language-model proposer re-sends and re-prefills the prefix on every call', async () => {
    const languageModel = createTokenLanguageModel(model, { modelId: 'tinymath-draft' })
    const proposer = createLanguageModelStepProposer({ model: languageModel })
    const context = createRunContext({ seed: 1 })
    const { root } = await proposer.start({ prompt }, context)
    const first = await proposer.propose([{ state: root, count: 4 }], context)
    const parent = first.results[0]?.children.find((child) => !child.state.finished)?.state
    if (!parent) throw new Error('every first step finished the solution')
    const before = model.stats()
    const second = await proposer.propose([{ state: parent, count: 4 }], context)
    const processed = model.stats().tokensProcessed - before.tokensProcessed
    const prefix = model.tokenizer.encode(prompt + parent.text).length
    expect(second.usage.inputTokens).toBe(prefix)
    expect(processed).toBeGreaterThanOrEqual(prefix)
  })
})
