// Stopping rules of adaptive consistency (Aggarwal et al. 2023, "Let's Sample Step by Step"):
// given the vote counts so far, decide whether the majority answer is settled.
import { assertNumberInRange, parseOption, type Rng } from '@metagen/core'
import { parallelOptionSchemas } from './option-schemas.js'

/** The decision of a {@link StoppingRule}. */
export interface StoppingDecision {
  /** True when sampling may stop. */
  stop: boolean
  /** The rule's confidence that the current leader is the true majority answer, in [0, 1]. */
  confidence: number
}

/**
 * A stopping rule: `counts` are the vote counts of the distinct answers so far, in any order
 * (zeros allowed); `rng` is available to rules that integrate by Monte Carlo.
 */
export interface StoppingRule {
  /** Name for traces, e.g. `beta`. */
  readonly name: string
  decide(counts: readonly number[], rng: Rng): StoppingDecision
}

/**
 * The probability that p1 > 1/2 when p1 ~ Beta(a, b) with integer a, b >= 1, exactly:
 * P = sum_{j=0}^{a-1} C(a+b-1, j) / 2^(a+b-1) (the binomial form of the regularised incomplete
 * beta function at 1/2), computed in log space so that it holds for thousands of votes.
 */
export function betaProbabilityAboveHalf(a: number, b: number): number {
  const trials = a + b - 1
  const logHalf = trials * Math.log(0.5)
  let logBinomial = 0 // log C(trials, 0)
  let total = 0
  for (let j = 0; j < a; j++) {
    total += Math.exp(logBinomial + logHalf)
    logBinomial += Math.log(trials - j) - Math.log(j + 1)
  }
  return Math.min(1, total)
}

/**
 * The Beta rule of Aggarwal et al.: with v1 and v2 the two largest counts, the leader's share
 * between the two is p1 ~ Beta(v1 + 1, v2 + 1); stop when P(p1 > 1/2) > `threshold`
 * (default 0.95, the paper's). With no votes the confidence is 0.5 and sampling goes on.
 * Example: at 0.95 it stops after 4 unanimous votes, or at 6 to 1 (0.965), not at 5 to 1 (0.9375).
 */
export function betaStoppingRule(options: { threshold?: number } = {}): StoppingRule {
  const threshold = options.threshold ?? 0.95
  parseOption('threshold', parallelOptionSchemas.stoppingThreshold, threshold)
  return {
    name: 'beta',
    decide(counts) {
      const [first = 0, second = 0] = [...counts].sort((left, right) => right - left)
      const confidence = betaProbabilityAboveHalf(first + 1, second + 1)
      return { stop: confidence > threshold, confidence }
    },
  }
}

/**
 * The Dirichlet rule of Aggarwal et al.: the answer shares follow p ~ Dirichlet(counts + 1)
 * over the answers seen so far; stop when P(the leader's share is the largest) > `threshold`
 * (default 0.95), estimated from `draws` (default 2000) Monte Carlo draws of the run's seeded
 * RNG. Ties among equal counts: the leader is the first largest count in `counts`.
 */
export function dirichletStoppingRule(
  options: { threshold?: number; draws?: number } = {},
): StoppingRule {
  const threshold = options.threshold ?? 0.95
  const draws = options.draws ?? 2000
  parseOption('threshold', parallelOptionSchemas.stoppingThreshold, threshold)
  assertNumberInRange('draws', draws, { min: 1 })
  return {
    name: 'dirichlet',
    decide(counts, rng) {
      const active = counts.filter((count) => count > 0)
      if (active.length === 0) return { stop: false, confidence: 0 }
      if (active.length === 1) {
        // Against a single unseen alternative, as the Beta rule does.
        const confidence = betaProbabilityAboveHalf((active[0] as number) + 1, 1)
        return { stop: confidence > threshold, confidence }
      }
      let leader = 0
      active.forEach((count, index) => {
        if (count > (active[leader] as number)) leader = index
      })
      let wins = 0
      for (let draw = 0; draw < draws; draw++) {
        // Normalising the gamma draws does not change which one is largest.
        const leaderDraw = sampleGamma(rng, (active[leader] as number) + 1)
        let won = true
        for (let index = 0; index < active.length && won; index++) {
          if (index !== leader && sampleGamma(rng, (active[index] as number) + 1) >= leaderDraw) {
            won = false
          }
        }
        if (won) wins++
      }
      const confidence = wins / draws
      return { stop: confidence > threshold, confidence }
    },
  }
}

/** Gamma(shape, 1) for shape >= 1 (Marsaglia and Tsang 2000). */
function sampleGamma(rng: Rng, shape: number): number {
  const d = shape - 1 / 3
  const c = 1 / Math.sqrt(9 * d)
  for (;;) {
    let x: number
    let v: number
    do {
      x = sampleNormal(rng)
      v = 1 + c * x
    } while (v <= 0)
    v = v * v * v
    const u = rng.next()
    if (u < 1 - 0.0331 * x * x * x * x) return d * v
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v
  }
}

function sampleNormal(rng: Rng): number {
  const u = 1 - rng.next() // (0, 1]
  const v = rng.next()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}
