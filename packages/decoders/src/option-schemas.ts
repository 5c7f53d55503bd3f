// The ranges of the decoders' options, declared once as zod schemas: the decoders validate
// their arguments with them and the strategies (`@metagen/decoders/strategies`) expose them as
// spec options, CLI flags and JSON Schema, so the two can never disagree.
import { z } from 'zod'

/** The largest penalty or surprise target accepted (a guard against overflow, not a tuning limit). */
const largestFactor = 1e6

/** Schemas of the logits-processor settings of {@link SamplingOptions} that take one number. */
export const samplingOptionSchemas = {
  /** Temperature >= 0; 0 is greedy decoding. */
  temperature: z.number().min(0).describe('Sampling temperature >= 0 (0 is greedy).'),
  /** Keep the k most likely tokens (ties kept). */
  topK: z.int().min(1).describe('Keep the k most likely tokens (an integer >= 1).'),
  /** Nucleus mass. */
  topP: z
    .number()
    .gt(0)
    .max(1)
    .describe('Nucleus sampling: keep the smallest set with mass >= topP, in (0, 1].'),
  /** Min-p ratio. */
  minP: z
    .number()
    .min(0)
    .max(1)
    .describe('Min-p: keep tokens with p >= minP x max p, minP in [0, 1].'),
  /** Locally typical mass. */
  typicalP: z.number().gt(0).max(1).describe('Locally typical sampling mass in (0, 1].'),
  /** Epsilon-sampling probability floor. */
  epsilon: z
    .number()
    .min(0)
    .lt(1)
    .describe('Epsilon sampling: drop tokens with p < epsilon, in [0, 1).'),
  /** Eta-sampling parameter. */
  eta: z
    .number()
    .min(0)
    .lt(1)
    .describe('Eta sampling: drop tokens with p < min(eta, sqrt(eta) exp(-entropy)), in [0, 1).'),
  /** CTRL repetition penalty theta (1 = off). */
  repetitionPenalty: z
    .number()
    .gt(0)
    .max(largestFactor)
    .describe(
      'CTRL repetition penalty theta in (0, 1e6] over prompt and generated tokens (1 = off).',
    ),
  /** OpenAI frequency penalty over generated tokens. */
  frequencyPenalty: z
    .number()
    .min(-2)
    .max(2)
    .describe('OpenAI frequency penalty in [-2, 2]: minus count x penalty per generated token.'),
  /** OpenAI presence penalty over generated tokens. */
  presencePenalty: z
    .number()
    .min(-2)
    .max(2)
    .describe('OpenAI presence penalty in [-2, 2]: minus penalty once a token was generated.'),
  /** Ban any token completing an n-gram already in the sequence. */
  noRepeatNgramSize: z
    .int()
    .min(1)
    .describe('Forbid repeating any n-gram of this size (an integer >= 1).'),
  /** End-of-sequence ids are forbidden until this many tokens were generated. */
  minNewTokens: z
    .int()
    .min(0)
    .describe('End-of-text is forbidden until this many tokens were generated (integer >= 0).'),
}

/** Schemas of the mirostat v2 settings. */
export const mirostatOptionSchemas = {
  /** Target surprise tau in bits. */
  tau: z
    .number()
    .gt(0)
    .max(largestFactor)
    .describe('Mirostat v2 target surprise in bits, in (0, 1e6]; enables mirostat.'),
  /** Learning rate of the threshold update. */
  eta: z.number().gt(0).max(1).describe('Mirostat v2 learning rate in (0, 1].'),
}

/** Schemas of the beam-search settings. */
export const beamSearchOptionSchemas = {
  /** Number of beams B. */
  beamWidth: z.int().min(1).describe('Number of beams (an integer >= 1).'),
  /** Number of diverse-beam groups G (must divide B). */
  groups: z
    .int()
    .min(1)
    .describe('Number of groups; must divide beamWidth (default: beamWidth, one beam per group).'),
  /** Hamming diversity strength lambda. */
  diversityPenalty: z.number().min(0).describe('Hamming diversity strength lambda >= 0.'),
  /** Length normalisation exponent. */
  lengthPenalty: z
    .number()
    .describe('Rank finished hypotheses by logprob / length^lengthPenalty (0 = total, 1 = mean).'),
}

/** Schemas of the contrastive-search settings. */
export const contrastiveSearchOptionSchemas = {
  /** Candidates per step. */
  topK: z.int().min(1).describe('Candidates per step (an integer >= 1).'),
  /** Degeneration-penalty weight. */
  alpha: z.number().min(0).max(1).describe('Degeneration-penalty weight in [0, 1].'),
}

/** Schemas of the contrastive-decoding settings. */
export const contrastiveDecodingOptionSchemas = {
  /** Plausibility cutoff. */
  alpha: z
    .number()
    .gt(0)
    .max(1)
    .describe('Plausibility cutoff in (0, 1]: keep tokens with p_expert >= alpha x max p_expert.'),
  /** Temperature of the amateur's distribution. */
  amateurTemperature: z
    .number()
    .gt(0)
    .max(largestFactor)
    .describe("Temperature in (0, 1e6] of the amateur's distribution."),
}

/** Schemas of the speculative-decoding settings. */
export const speculativeOptionSchemas = {
  /** Draft tokens per verification round. */
  k: z.int().min(1).describe('Draft tokens per verification round (an integer >= 1).'),
}

/** Schemas of the reward-guided decoding settings. */
export const rewardGuidedOptionSchemas = {
  /** K, candidates scored per step. */
  topK: z
    .int()
    .min(1)
    .describe('Candidate tokens scored per step, the K most likely (an integer >= 1).'),
  /** Weight of the discriminator. */
  alpha: z
    .number()
    .min(0)
    .max(largestFactor)
    .describe('Discriminator weight alpha in [0, 1e6]: log q = log p + alpha x g(score).'),
  /** Re-scoring interval. */
  interval: z
    .int()
    .min(1)
    .describe(
      'Score candidates every interval-th generated token (an integer >= 1; 1 = every step).',
    ),
  /** How scores enter the reweighting. */
  rewardScale: z
    .enum(['probability', 'reward'])
    .describe(
      "'probability': scores in [0, 1], g = log (FUDGE, q ∝ p x s^alpha); 'reward': g = identity (q ∝ p x exp(alpha r)).",
    ),
}
