// The toy "language" of the search unit tests, as inputs to the fakes of @metagen/core/testing:
// after the prompt's `A:`, steps ` d.` with d a uniformly random digit, end-of-text after
// `steps` steps; a process score that passes even digits. Integration tests use tinymath.
import type { Score, ScoreRequest, StepScore, Tokenizer } from '@metagen/core'
import {
  createCharacterTokenizer,
  createFakeLanguageModel,
  createFakeScorer,
  createFakeTokenModel,
  type FakeLanguageModel,
  type FakeScorer,
  type FakeTokenModel,
} from '@metagen/core/testing'

/** The language's next-token logits after `text` (0 for allowed tokens, -Infinity otherwise). */
export function digitStepsLogits(tokenizer: Tokenizer, text: string, steps: number): Float32Array {
  const logits = new Float32Array(tokenizer.vocabSize).fill(Number.NEGATIVE_INFINITY)
  const marker = text.lastIndexOf('A:')
  const generated = marker === -1 ? '' : text.slice(marker + 2)
  const done = (generated.match(/\./g) ?? []).length
  const allow = (character: string) => {
    logits[tokenizer.encode(character)[0] as number] = 0
  }
  if (generated === '' || generated.endsWith('.')) {
    if (done >= steps) logits[0] = 0
    else allow(' ')
  } else if (generated.endsWith(' ')) {
    for (let digit = 0; digit <= 9; digit++) allow(String(digit))
  } else {
    allow('.')
  }
  return logits
}

/** The kit's fake token model over the language (character tokenizer, 512 tokens of context). */
export function createDigitStepsTokenModel(steps = 3): FakeTokenModel {
  const tokenizer = createCharacterTokenizer()
  return createFakeTokenModel({
    tokenizer,
    maxSequenceLength: 512,
    logits: (tokens) => digitStepsLogits(tokenizer, tokenizer.decode(tokens), steps),
  })
}

/**
 * The kit's fake language model over the language: each sample writes the remaining steps
 * with digits drawn from the sample's seeded RNG (one token per character).
 */
export function createDigitStepsLanguageModel(steps = 3): FakeLanguageModel {
  return createFakeLanguageModel({
    tokenUnit: 'character',
    capabilities: { chat: false },
    reply: ({ prompt, rng }) => {
      const marker = prompt.lastIndexOf('A:')
      const done = (prompt.slice(marker + 2).match(/\./g) ?? []).length
      return Array.from({ length: Math.max(0, steps - done) }, () => ` ${rng.nextInt(10)}.`).join(
        '',
      )
    },
  })
}

/** Process score of the language: a step ` d.` scores 1 for an even d; the value is the minimum. */
export function parityScore(request: ScoreRequest): Score {
  const steps: StepScore[] = (request.output.match(/[^.]*\./g) ?? []).map((text) => {
    const digit = Number(text.trim().replace('.', ''))
    return { text, score: digit % 2 === 0 ? 1 : 0 }
  })
  const value = steps.length === 0 ? undefined : Math.min(...steps.map((step) => step.score))
  return { value, steps }
}

/** The kit's fake scorer over {@link parityScore}; it costs nothing (no calls in its usage). */
export function createParityScorer(): FakeScorer {
  return createFakeScorer({
    name: 'parity',
    kind: { outcome: true, process: true },
    score: parityScore,
    usage: () => ({ inputTokens: 0, outputTokens: 0, calls: 0 }),
  })
}
