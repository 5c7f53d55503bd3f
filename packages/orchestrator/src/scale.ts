// Scaling runs: a strategy evaluated at several budgets N (samples, beams, simulations), each
// setting one evaluation, so that accuracy can be plotted against compute.
import type {
  Budget,
  Generator,
  ScalingKnob,
  StrategyEnvironment,
  StrategySpec,
  TextInput,
  TextOutput,
} from '@metagen/core'
import { assertInteger, compact, InvalidArgumentError } from '@metagen/core'
import type { ComputeReportEntry } from './compute-report.js'
import {
  type EvaluateOptions,
  type EvaluationProblem,
  type EvaluationProgress,
  evaluate,
} from './evaluate.js'
import type { StrategyRegistry } from './strategy-registry.js'

/**
 * The compute knob of a strategy: its definition's `scaling` (parallel strategies scale `n`,
 * searches their width x expansions, beams their width), or undefined for strategies measured
 * once (greedy, sampling, ...).
 */
export function findScalingKnob(
  registry: StrategyRegistry,
  strategy: string,
): ScalingKnob | undefined {
  return registry.get(strategy).scaling
}

/** Options of {@link measureScaling}. */
export interface MeasureScalingOptions {
  registry: StrategyRegistry
  environment: StrategyEnvironment
  /** Strategies to measure (specs or names). */
  strategies: ReadonlyArray<StrategySpec | string>
  /** Budgets N, integers >= 1, e.g. [1, 2, 4, 8, 16]. */
  budgets: readonly number[]
  problems: readonly EvaluationProblem[]
  /** Base seed (default 0). */
  seed?: number
  /** Problems run at once (default 4). */
  concurrency?: number
  /** Budget of each problem's run. */
  runBudget?: Budget
  /** Prompt of a question (see {@link EvaluateOptions.formatPrompt}). */
  formatPrompt?: EvaluateOptions['formatPrompt']
  /** Correctness of an output (see {@link EvaluateOptions.isCorrect}). */
  isCorrect?: EvaluateOptions['isCorrect']
  /** Called when a setting starts. */
  onSetting?: (setting: { strategy: string; label: string; index: number; total: number }) => void
  /** Called after each finished problem of the current setting. */
  onProgress?: (progress: EvaluationProgress) => void
  /** Called with each finished setting. */
  onEntry?: (entry: ComputeReportEntry) => void
  signal?: AbortSignal
}

/**
 * Evaluates every strategy at every budget (once for strategies without a knob) and returns
 * one compute-report entry per setting, in order. Specs are validated before anything runs.
 */
export async function measureScaling(
  options: MeasureScalingOptions,
): Promise<ComputeReportEntry[]> {
  if (options.budgets.length === 0) {
    throw new InvalidArgumentError({
      argument: 'budgets',
      expected: 'at least one budget',
      received: [],
    })
  }
  for (const budget of options.budgets) assertInteger('budgets[]', budget, 1)
  const settings: Array<{ strategy: string; label: string; budget?: number; spec: StrategySpec }> =
    []
  for (const entry of options.strategies) {
    const spec = options.registry.validate(entry)
    const knob = findScalingKnob(options.registry, spec.strategy)
    if (!knob) {
      settings.push({ strategy: spec.strategy, label: spec.strategy, spec })
      continue
    }
    for (const budget of options.budgets) {
      const scaled = knob(spec, budget)
      settings.push({
        strategy: spec.strategy,
        label: `${spec.strategy} ${scaled.label}`,
        budget,
        spec: options.registry.validate(scaled.spec),
      })
    }
  }
  const entries: ComputeReportEntry[] = []
  for (const [index, setting] of settings.entries()) {
    options.onSetting?.({
      strategy: setting.strategy,
      label: setting.label,
      index,
      total: settings.length,
    })
    const generator: Generator<TextInput, TextOutput> = await options.registry
      .get(setting.strategy)
      .build(setting.spec, options.environment)
    const result = await evaluate({
      generator,
      problems: options.problems,
      ...compact({
        seed: options.seed,
        concurrency: options.concurrency,
        budget: options.runBudget,
        formatPrompt: options.formatPrompt,
        isCorrect: options.isCorrect,
        onProgress: options.onProgress,
        signal: options.signal,
      }),
    })
    const entry: ComputeReportEntry = {
      strategy: setting.strategy,
      label: setting.label,
      ...compact({ budget: setting.budget }),
      accuracy: result.accuracy,
      n: result.n,
      usage: result.usage,
      seconds: result.seconds,
    }
    entries.push(entry)
    options.onEntry?.(entry)
  }
  return entries
}
