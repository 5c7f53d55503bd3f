// Basis-aware threshold truncation (BAT; Finlayson, Hewitt, Koller, Swayamdipta and Sabharwal,
// "Closing the Curious Case of Neural Text Degeneration", ICLR 2024): a white-box truncation
// sampler that keeps exactly the tokens whose true probability cannot be zero, given the
// softmax bottleneck of the model's unembedding matrix W and a threshold's error bound. Each
// decision is a linear program, solved with HiGHS (the `highs` WebAssembly build).
import { InvalidArgumentError, MetagenError } from '@metagen/core'
import type { LogitsProcessor } from './sampling-options.js'

/** The unembedding (LM head) matrix: logits = W h (+ b). `@metagen/onnx`'s `readUnembeddingMatrix` gives one. */
export interface Unembedding {
  /** Row-major `vocabSize x hiddenSize`: row v is token v's output embedding. */
  matrix: Float32Array
  /** Rows (the logits width). */
  vocabSize: number
  /** Columns (the hidden size). */
  hiddenSize: number
}

/** Options of {@link createBasisAwareTruncation}. */
export interface BasisAwareTruncationOptions {
  /** The model's unembedding matrix W. */
  unembedding: Unembedding
  /**
   * tau in (0, 1]: the threshold's error bound, p*_v >= p̂_v - tau for every token (so every
   * token with p̂_v > tau is kept, as in threshold sampling). tau = 1 leaves only the
   * softmax-bottleneck constraint.
   */
  threshold: number
  /**
   * A token is dropped when its smallest feasible probability is <= this (default 1e-7, the
   * LP solver's primal feasibility tolerance), a number in [0, 0.01].
   */
  tolerance?: number
}

/** Counters of a {@link BasisAwareTruncation}. */
export interface BasisAwareTruncationStats {
  /** Rows truncated. */
  rows: number
  /** Linear programs solved (summed over rows). */
  linearPrograms: number
  /** Tokens kept, summed over rows. */
  keptTokens: number
}

/** A basis-aware truncation sampler bound to one unembedding matrix. */
export interface BasisAwareTruncation {
  /**
   * The ids of the tokens kept for one raw logits row, ascending (see
   * {@link createBasisAwareTruncation} for the definition).
   */
  keptTokens(logits: Float32Array): number[]
  /** A per-sequence logits processor: the row with every dropped token set to -Infinity. */
  readonly processor: LogitsProcessor
  /** Counters since creation. */
  stats(): BasisAwareTruncationStats
  /** Frees the solver's WebAssembly memory. The processor cannot be used afterwards. */
  dispose(): void
}

type HighsLoader = typeof import('highs')['default']
type HighsRuntime = Awaited<ReturnType<HighsLoader>>
let runtime: Promise<HighsRuntime> | undefined

/** HiGHS is loaded (WebAssembly compiled) once per process, on first use. */
function loadHighs(): Promise<HighsRuntime> {
  // `highs` is CommonJS: under Node's ESM interop the loader function is the default export.
  runtime ??= import('highs').then((module) => (module.default as unknown as HighsLoader)())
  return runtime
}

/**
 * Basis-aware threshold truncation for a model with unembedding W (v x d). For a raw logits row
 * with p̂ = softmax(logits), the feasible set of true distributions is
 *
 *     F = { p in R^v : W^T p = W^T p̂,  sum_v p_v = 1,  p_v >= max(0, p̂_v - tau) for all v }
 *
 * (W^T p* = W^T p̂ is the softmax bottleneck: at the cross-entropy optimum over the hidden
 * state the gradient W^T (p̂ - p*) vanishes; p* >= p̂ - tau is the threshold-sampling error
 * bound). p̂ itself is in F. Token v is KEPT iff min { p_v : p in F } > `tolerance`, i.e. every
 * true distribution consistent with the model has p_v > 0; the others get -Infinity. Exact
 * method: one LP min sum_{v in U} p_v over the undecided tokens U drops every token that is 0 at
 * its optimum, repeated while that drops some; then one LP min p_v per token still undecided.
 * Tokens with p̂_v > tau + tolerance are kept without an LP. A bias in the LM head (logits = W h + b)
 * does not change F. Costs up to v LPs of v variables and d + 1 equality rows per row of logits.
 * Throws InvalidArgumentError for a bad matrix, threshold or tolerance; `keptTokens` throws
 * MetagenError if the solver cannot solve an LP (F is never empty).
 */
export async function createBasisAwareTruncation(
  options: BasisAwareTruncationOptions,
): Promise<BasisAwareTruncation> {
  const { unembedding } = options
  const vocabSize = unembedding?.vocabSize
  const hiddenSize = unembedding?.hiddenSize
  if (
    !unembedding ||
    !(unembedding.matrix instanceof Float32Array) ||
    !Number.isInteger(vocabSize) ||
    !Number.isInteger(hiddenSize) ||
    vocabSize < 2 ||
    hiddenSize < 1 ||
    unembedding.matrix.length !== vocabSize * hiddenSize ||
    !unembedding.matrix.every(Number.isFinite)
  ) {
    throw new InvalidArgumentError({
      argument: 'unembedding',
      expected:
        '{ matrix: Float32Array of vocabSize x hiddenSize finite numbers, vocabSize >= 2, hiddenSize >= 1 }',
      received: unembedding
        ? { vocabSize, hiddenSize, length: unembedding.matrix?.length }
        : unembedding,
    })
  }
  const threshold = options.threshold
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1)) {
    throw new InvalidArgumentError({
      argument: 'threshold',
      expected: 'a number in (0, 1]',
      received: threshold,
    })
  }
  const tolerance = options.tolerance ?? 1e-7
  if (typeof tolerance !== 'number' || !(tolerance >= 0 && tolerance <= 0.01)) {
    throw new InvalidArgumentError({
      argument: 'tolerance',
      expected: 'a number in [0, 0.01]',
      received: tolerance,
    })
  }
  const highs = await loadHighs()
  const rows = hiddenSize + 1
  // The constraint matrix [W^T; 1^T] in column-major (CSC) form: column v holds W[v, :] and a 1.
  const starts = new Int32Array(vocabSize + 1)
  const indices = new Int32Array(vocabSize * rows)
  const values = new Float64Array(vocabSize * rows)
  for (let token = 0; token < vocabSize; token++) {
    starts[token] = token * rows
    for (let row = 0; row < hiddenSize; row++) {
      indices[token * rows + row] = row
      values[token * rows + row] = unembedding.matrix[token * hiddenSize + row] as number
    }
    indices[token * rows + hiddenSize] = hiddenSize
    values[token * rows + hiddenSize] = 1
  }
  starts[vocabSize] = vocabSize * rows
  const model = highs.createModel()
  // Without presolve the simplex solver warm-starts each LP from the previous basis (about 10x
  // faster here: only the objective changes between the LPs of a row).
  model.options.set({ output_flag: false, presolve: 'off', solver: 'simplex' })
  const counters: BasisAwareTruncationStats = { rows: 0, linearPrograms: 0, keptTokens: 0 }
  let disposed = false

  function keptTokens(logits: Float32Array): number[] {
    if (disposed) {
      throw new InvalidArgumentError({
        argument: 'basisAwareTruncation',
        expected: 'a truncation that is not disposed',
        received: 'disposed',
      })
    }
    if (!(logits instanceof Float32Array) || logits.length !== vocabSize) {
      throw new InvalidArgumentError({
        argument: 'logits',
        expected: `a Float32Array of ${vocabSize} logits`,
        received: logits instanceof Float32Array ? `${logits.length} logits` : logits,
      })
    }
    const probabilities = softmax64(logits)
    const target = new Float64Array(rows)
    for (let token = 0; token < vocabSize; token++) {
      const p = probabilities[token] as number
      if (p === 0) continue
      for (let row = 0; row < hiddenSize; row++) {
        target[row] =
          (target[row] as number) + (unembedding.matrix[token * hiddenSize + row] as number) * p
      }
    }
    target[hiddenSize] = 1
    const lower = probabilities.map((p) => Math.max(0, p - threshold))
    model.passModel({
      numCols: vocabSize,
      numRows: rows,
      colCost: new Float64Array(vocabSize),
      colLower: lower,
      colUpper: new Float64Array(vocabSize).fill(1),
      rowLower: target,
      rowUpper: target,
      matrix: { format: 'csc', numRows: rows, numCols: vocabSize, starts, indices, values },
    })
    const kept = new Uint8Array(vocabSize)
    const undecided = new Set<number>()
    for (let token = 0; token < vocabSize; token++) {
      if ((lower[token] as number) > tolerance) kept[token] = 1
      else if (probabilities[token] === 0)
        continue // -Infinity logits: p̂ = 0, dropped as in F's vertex p̂
      else undecided.add(token)
    }
    // Tokens with p̂ = 0 (masked logits) can be 0: p̂ is feasible.
    const solve = (cost: Float64Array): Float64Array => {
      model.changeColsCost({ kind: 'range', from: 0, to: vocabSize - 1 }, cost)
      const result = model.run()
      counters.linearPrograms += 1
      if (result.modelStatus !== highs.constants.modelStatus.optimal) {
        throw new MetagenError(
          `basis-aware truncation: the LP solver ended with model status ${result.modelStatus} (expected optimal)`,
        )
      }
      return model.getSolution().colValue
    }
    // Aggregate LPs: every undecided token at 0 in an optimum of sum_U p can be 0.
    for (;;) {
      if (undecided.size === 0) break
      const cost = new Float64Array(vocabSize)
      for (const token of undecided) cost[token] = 1
      const solution = solve(cost)
      let dropped = 0
      for (const token of [...undecided]) {
        if ((solution[token] as number) <= tolerance) {
          undecided.delete(token)
          dropped++
        }
      }
      if (dropped === 0) break
    }
    // One LP per token left: kept iff its minimum is above the tolerance.
    for (const token of [...undecided]) {
      if (!undecided.has(token)) continue
      const cost = new Float64Array(vocabSize)
      cost[token] = 1
      const solution = solve(cost)
      if ((solution[token] as number) > tolerance) kept[token] = 1
      undecided.delete(token)
      // Any other undecided token at 0 here can be 0 as well.
      for (const other of [...undecided]) {
        if ((solution[other] as number) <= tolerance) undecided.delete(other)
      }
    }
    const result: number[] = []
    for (let token = 0; token < vocabSize; token++) if (kept[token]) result.push(token)
    counters.rows += 1
    counters.keptTokens += result.length
    return result
  }

  return {
    keptTokens,
    processor: (logits) => {
      const kept = keptTokens(logits)
      const row = new Float32Array(logits.length).fill(Number.NEGATIVE_INFINITY)
      for (const token of kept) row[token] = logits[token] as number
      return row
    },
    stats: () => ({ ...counters }),
    dispose() {
      if (disposed) return
      disposed = true
      model.dispose()
    },
  }
}

function softmax64(logits: Float32Array): Float64Array {
  let max = Number.NEGATIVE_INFINITY
  for (const value of logits) max = Math.max(max, value)
  const result = new Float64Array(logits.length)
  let sum = 0
  for (let index = 0; index < logits.length; index++) {
    const value = Math.exp((logits[index] as number) - max)
    result[index] = value
    sum += value
  }
  for (let index = 0; index < logits.length; index++)
    result[index] = (result[index] as number) / sum
  return result
}
