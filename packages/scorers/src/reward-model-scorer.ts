// A scorer over a sequence-scoring reward model (like tinymath-verifier): builds each sequence
// exactly as the model was trained (prompt + output + end-of-text), scores batches in one model
// call each, and reads the outcome score at the last token and process scores at step ends.
import {
  emptyUsage,
  InvalidArgumentError,
  type Score,
  type ScoreRequest,
  type Scorer,
  type StepScore,
  type Tokenizer,
  throwIfAborted,
  type Usage,
} from '@metagen/core'
import {
  errorMessage,
  isFiniteNumber,
  unscorable,
  validateScoreRequests,
} from './score-requests.js'
import { createStepSplitter, type StepSplitter } from './step-splitter.js'

/**
 * What the reward-model scorer needs from a model: a tokenizer and per-token scores of whole
 * sequences. `OnnxRewardModel` of `@metagen/onnx` has this shape.
 */
export interface SequenceScoringModel {
  /** The model's tokenizer (its `eosTokenIds[0]` ends each finished sequence). */
  readonly tokenizer: Tokenizer
  /**
   * Raw per-token scores: one array per sequence, of that sequence's length; entry t is the
   * score after reading tokens 0..t. One call may batch all sequences.
   */
  scoreTokens(
    sequences: number[][],
    options?: { signal?: AbortSignal },
  ): Promise<ArrayLike<number>[]>
  /** Model id, for the scorer's name. */
  readonly modelId?: string
  /** Longest sequence the model accepts, in tokens. */
  readonly maxSequenceLength?: number
  /** Number of parameters, for FLOP estimates (2 x parameters per computed position). */
  readonly parameterCount?: number
  /**
   * The token positions one `scoreTokens` call computes for sequences of these lengths,
   * padding included (a batched model pads each pass to its longest sequence). FLOPs are
   * charged for these positions; without it, for the sequences' own tokens.
   */
  computedPositions?(lengths: readonly number[]): number
}

/** Maps a raw model score to [0, 1]. */
export type ScoreLink = 'sigmoid' | 'identity' | ((raw: number) => number)

/** Options of {@link createRewardModelScorer}. */
export interface RewardModelScorerOptions {
  /** The reward model. */
  model: SequenceScoringModel
  /**
   * Maps raw scores to [0, 1] (default `sigmoid`, for logits). `identity` is for models that
   * output probabilities. A mapped value outside [0, 1] makes the item unscorable.
   */
  link?: ScoreLink
  /** Splits outputs into steps for process scores; with neither this nor `stepDelimiter` the scorer is outcome-only. */
  stepSplitter?: StepSplitter
  /** Shorthand for `stepSplitter: createStepSplitter({ delimiter })`. */
  stepDelimiter?: string | RegExp
  /**
   * The model's input text for a request (default `prompt + output`, the tinymath training
   * format). `output` must occur in the result so that step ends can be located.
   */
  formatInput?: (prompt: string, output: string) => string
  /** Append the end-of-text token to finished (non-partial) outputs (default true, as in training). */
  appendEndOfText?: boolean
  /** Sequences per model call, an integer >= 1 (default 16). Sequences are grouped by length to limit padding. */
  batchSize?: number
  /** Longer sequences are reported unscorable (default: `model.maxSequenceLength`, else no limit). */
  maxSequenceLength?: number
  /** Scorer name (default `reward-model:{modelId}` or `reward-model`). */
  name?: string
}

interface PreparedItem {
  index: number
  tokens: number[]
  /** Token index of each step's closing character. */
  stepTokenIndices: number[]
  stepTexts: string[]
  partial: boolean
}

const links: Record<'sigmoid' | 'identity', (raw: number) => number> = {
  sigmoid: (raw) => 1 / (1 + Math.exp(-raw)),
  identity: (raw) => raw,
}

/**
 * A scorer over a {@link SequenceScoringModel}. For each request the sequence is
 * `encode(formatInput(prompt, output))` followed, for finished outputs, by end-of-text.
 * Outcome `value` = link(score at the last token) for finished outputs; for partial outputs
 * (no end-of-text) it is the last step's process score, or link(score at the last token) when
 * no step is complete. Process `steps` = link(score at the token holding each step's closing
 * character). Empty outputs, over-long sequences and non-finite scores are reported per item;
 * a model call that fails marks its batch unscorable without losing the other batches.
 * Identical requests within one `score` call (same prompt, output and `partial`) are read by
 * the model once and get equal scores; `usage` counts the tokens the model actually read.
 */
export function createRewardModelScorer(options: RewardModelScorerOptions): Scorer {
  const model = options.model
  if (
    model === null ||
    typeof model !== 'object' ||
    typeof model.scoreTokens !== 'function' ||
    typeof model.tokenizer?.encode !== 'function'
  ) {
    throw new InvalidArgumentError({
      argument: 'model',
      expected:
        'a sequence-scoring model with tokenizer and scoreTokens(sequences) (e.g. loadOnnxRewardModel of @metagen/onnx)',
      received: model === null || typeof model !== 'object' ? model : Object.keys(model),
    })
  }
  const link = resolveLink(options.link ?? 'sigmoid')
  if (options.stepSplitter !== undefined && typeof options.stepSplitter !== 'function') {
    throw new InvalidArgumentError({
      argument: 'stepSplitter',
      expected: 'a function (output) => StepSpan[]',
      received: options.stepSplitter,
    })
  }
  const splitter =
    options.stepSplitter ??
    (options.stepDelimiter !== undefined
      ? createStepSplitter({ delimiter: options.stepDelimiter })
      : undefined)
  const batchSize = options.batchSize ?? 16
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InvalidArgumentError({
      argument: 'batchSize',
      expected: 'an integer >= 1',
      received: batchSize,
    })
  }
  const maxSequenceLength = options.maxSequenceLength ?? model.maxSequenceLength
  if (
    maxSequenceLength !== undefined &&
    (!Number.isInteger(maxSequenceLength) || maxSequenceLength < 1)
  ) {
    throw new InvalidArgumentError({
      argument: 'maxSequenceLength',
      expected: 'an integer >= 1',
      received: maxSequenceLength,
    })
  }
  const formatInput = options.formatInput ?? ((prompt: string, output: string) => prompt + output)
  const appendEndOfText = options.appendEndOfText ?? true
  const tokenizer = model.tokenizer
  const endOfText = tokenizer.eosTokenIds[0]
  if (appendEndOfText && endOfText === undefined) {
    throw new InvalidArgumentError({
      argument: 'model.tokenizer.eosTokenIds',
      expected: 'at least one end-of-text id (or appendEndOfText: false)',
      received: tokenizer.eosTokenIds,
    })
  }
  let tokenByteLengths: number[] | undefined
  const byteLengths = () => {
    tokenByteLengths ??= tokenizer.tokenBytes().map((bytes) => bytes.length)
    return tokenByteLengths
  }
  const encoder = new TextEncoder()

  function prepare(request: ScoreRequest, index: number): PreparedItem | Score {
    if (request.output.trim().length === 0) return unscorable('empty output: nothing to score')
    const partial = request.partial ?? false
    const text = formatInput(request.prompt, request.output)
    if (typeof text !== 'string') {
      return unscorable(`formatInput returned ${typeof text}, expected a string`)
    }
    const tokens = tokenizer.encode(text)
    if (!partial && appendEndOfText) tokens.push(endOfText as number)
    if (tokens.length === 0) return unscorable('the input encodes to no tokens')
    if (maxSequenceLength !== undefined && tokens.length > maxSequenceLength) {
      return unscorable(
        `sequence of ${tokens.length} tokens is longer than the model's ${maxSequenceLength}`,
      )
    }
    const stepTokenIndices: number[] = []
    const stepTexts: string[] = []
    if (splitter) {
      const steps = splitter(request.output)
      if (steps.length > 0) {
        const outputOffset = text.lastIndexOf(request.output)
        if (outputOffset < 0) {
          return unscorable('formatInput did not include the output, so steps cannot be located')
        }
        // Byte offsets of each token's end, to map characters to the token that holds them.
        const lengths = byteLengths()
        const tokenEnds: number[] = []
        let position = 0
        for (const id of tokens) {
          position += lengths[id] ?? 0
          tokenEnds.push(position)
        }
        const textBytes = encoder.encode(text).length
        if (tokenEnds[tokenEnds.length - (partial || !appendEndOfText ? 1 : 2)] !== textBytes) {
          return unscorable(
            'the tokenizer does not reproduce the input bytes, so steps cannot be located',
          )
        }
        for (const step of steps) {
          const closing = outputOffset + step.end - 1
          const byteOffset = encoder.encode(text.slice(0, closing)).length
          const tokenIndex = tokenEnds.findIndex((end) => end > byteOffset)
          if (tokenIndex < 0) return unscorable(`cannot locate the end of step "${step.text}"`)
          stepTokenIndices.push(tokenIndex)
          stepTexts.push(step.text)
        }
      }
    }
    return { index, tokens, stepTokenIndices, stepTexts, partial }
  }

  function finish(item: PreparedItem, raw: ArrayLike<number> | undefined): Score {
    if (raw === undefined || typeof raw.length !== 'number') {
      return unscorable('the model returned no scores for this sequence')
    }
    if (raw.length !== item.tokens.length) {
      return unscorable(
        `the model returned ${raw.length} token scores for a sequence of ${item.tokens.length} tokens`,
      )
    }
    const read = (tokenIndex: number, what: string): number | string => {
      const value = raw[tokenIndex]
      if (!isFiniteNumber(value)) return `the model's score at ${what} is ${value}`
      const linked = link(value)
      if (!isFiniteNumber(linked) || linked < 0 || linked > 1) {
        return `the link maps the score ${value} at ${what} to ${linked}, outside [0, 1]`
      }
      return linked
    }
    const steps: StepScore[] = []
    for (let step = 0; step < item.stepTokenIndices.length; step++) {
      const text = item.stepTexts[step] as string
      const value = read(item.stepTokenIndices[step] as number, `the end of step "${text}"`)
      if (typeof value === 'string') return unscorable(value)
      steps.push({ text, score: value })
    }
    let value: number | string
    const lastStep = steps.at(-1)
    if (item.partial && lastStep) value = lastStep.score
    else value = read(item.tokens.length - 1, 'the last token')
    if (typeof value === 'string') return unscorable(value)
    return splitter ? { value, steps } : { value }
  }

  return {
    specificationVersion: 'v1',
    name: options.name ?? (model.modelId ? `reward-model:${model.modelId}` : 'reward-model'),
    kind: { outcome: true, process: splitter !== undefined },
    /**
     * The most this scorer spends on its own model for `requests`: one token per UTF-8 byte of
     * each distinct input text plus end-of-text (every token of the tokenizer covers at least one
     * byte of the text), and one call per batch.
     */
    maxOwnUsage(requests: readonly ScoreRequest[]) {
      const distinct = new Set<string>()
      let inputTokens = 0
      for (const request of requests) {
        // Malformed requests spend nothing: score() rejects them.
        if (typeof request?.prompt !== 'string' || typeof request.output !== 'string') continue
        const key = `${request.partial === true ? 'p' : 'f'}\u0000${request.prompt}\u0000${request.output}`
        if (distinct.has(key)) continue
        distinct.add(key)
        const text = formatInput(request.prompt, request.output)
        inputTokens += (typeof text === 'string' ? encoder.encode(text).length : 0) + 1
      }
      return { inputTokens, calls: Math.ceil(distinct.size / batchSize) }
    },
    async score(requests: readonly ScoreRequest[], scoreOptions: { signal?: AbortSignal } = {}) {
      validateScoreRequests(requests)
      throwIfAborted(scoreOptions.signal)
      const scores: Score[] = new Array(requests.length)
      const items: PreparedItem[] = []
      // A request identical to an earlier one of this call (same prompt, output and partial
      // flag: the same sequence) is read once and gets a copy of that score.
      const firstOf = new Map<string, number>()
      const repeats: Array<[index: number, first: number]> = []
      requests.forEach((request, index) => {
        const key = `${request.partial === true ? 'p' : 'f'}\u0000${request.prompt}\u0000${request.output}`
        const first = firstOf.get(key)
        if (first !== undefined) {
          repeats.push([index, first])
          return
        }
        firstOf.set(key, index)
        let prepared: PreparedItem | Score
        try {
          prepared = prepare(request, index)
        } catch (error) {
          prepared = unscorable(`cannot encode the input: ${errorMessage(error)}`)
        }
        if ('tokens' in prepared) items.push(prepared)
        else scores[index] = prepared
      })
      // Similar lengths in one batch keep padding (wasted compute) small; order does not change scores.
      items.sort((left, right) => left.tokens.length - right.tokens.length)
      const usage: Usage = emptyUsage()
      for (let start = 0; start < items.length; start += batchSize) {
        throwIfAborted(scoreOptions.signal)
        const batch = items.slice(start, start + batchSize)
        let raw: ArrayLike<number>[]
        try {
          raw = await model.scoreTokens(
            batch.map((item) => item.tokens),
            scoreOptions.signal ? { signal: scoreOptions.signal } : {},
          )
        } catch (error) {
          if (scoreOptions.signal?.aborted) throw error
          for (const item of batch)
            scores[item.index] = unscorable(`model call failed: ${errorMessage(error)}`)
          continue
        }
        if (!Array.isArray(raw) || raw.length !== batch.length) {
          const received = Array.isArray(raw) ? `${raw.length} score arrays` : typeof raw
          for (const item of batch) {
            scores[item.index] = unscorable(
              `the model returned ${received} for a batch of ${batch.length} sequences`,
            )
          }
          continue
        }
        const tokens = batch.reduce((sum, item) => sum + item.tokens.length, 0)
        usage.inputTokens += tokens
        usage.calls += 1
        if (model.parameterCount !== undefined) {
          const computed =
            model.computedPositions?.(batch.map((item) => item.tokens.length)) ?? tokens
          usage.flops = (usage.flops ?? 0) + 2 * model.parameterCount * computed
        }
        batch.forEach((item, position) => {
          scores[item.index] = finish(item, raw[position])
        })
      }
      for (const [index, first] of repeats) scores[index] = copyScore(scores[first] as Score)
      return { scores, usage }
    },
  }
}

function copyScore(score: Score): Score {
  return score.steps ? { ...score, steps: score.steps.map((step) => ({ ...step })) } : { ...score }
}

function resolveLink(link: ScoreLink): (raw: number) => number {
  if (typeof link === 'function') return link
  if (link === 'sigmoid' || link === 'identity') return links[link]
  throw new InvalidArgumentError({
    argument: 'link',
    expected: "'sigmoid', 'identity' or a function (raw) => number in [0, 1]",
    received: link,
  })
}
