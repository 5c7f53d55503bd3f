// Scaling runs: a strategy evaluated at several budgets N (samples, beams, simulations), each
// setting one evaluation, so that accuracy can be plotted against compute.
import type { Budget, Generator, TextInput, TextOutput } from '@metagen/core'
import { assertInteger, InvalidArgumentError } from '@metagen/core'
import type { ComputeReportEntry } from './compute-report.js'
import { type EvaluationProblem, type EvaluationProgress, evaluate } from './evaluate.js'
import type { StrategyEnvironment, StrategySpec } from './strategy.js'
import type { StrategyRegistry } from './strategy-registry.js'

/** Sets a validated spec's compute knob to `budget`; returns the new spec and a setting label. */
export type ScalingKnob = (
  spec: StrategySpec,
  budget: number,
) => { spec: StrategySpec; label: string }

/** Splits N candidates per step into `ceil(N / K)` kept nodes x `min(K, N)` expansions. */
function widthTimesExpansions(widthOption: string): ScalingKnob {
  return (spec, budget) => {
    const expansions = Math.min((spec.expansions as number | undefined) ?? 4, budget)
    const width = Math.ceil(budget / expansions)
    return {
      spec: { ...spec, [widthOption]: width, expansions },
      label: `N=${budget} (${widthOption} ${width} x ${expansions})`,
    }
  }
}

function singleOption(option: string): ScalingKnob {
  return (spec, budget) => ({ spec: { ...spec, [option]: budget }, label: `${option}=${budget}` })
}

/**
 * The compute knob of each strategy that has one. Strategies with an `n` option (the parallel
 * ones) scale `n`; search strategies spend N sampled steps per depth; strategies without a knob
 * (greedy, sampling, ...) are measured once.
 */
export const scalingKnobs: Readonly<Record<string, ScalingKnob>> = {
  'step-beam': widthTimesExpansions('beamWidth'),
  dvts: widthTimesExpansions('subtrees'),
  'tot-bfs': widthTimesExpansions('breadth'),
  rebase: singleOption('width'),
  mcts: singleOption('simulations'),
  beam: singleOption('beamWidth'),
  'diverse-beam': singleOption('beamWidth'),
}

/** The knob of a strategy: {@link scalingKnobs}, else its `n` option, else undefined. */
export function findScalingKnob(
  registry: StrategyRegistry,
  strategy: string,
): ScalingKnob | undefined {
  const knob = scalingKnobs[strategy]
  if (knob) return knob
  if (registry.get(strategy).options.n) return singleOption('n')
  return undefined
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
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      ...(options.runBudget ? { budget: options.runBudget } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    })
    const entry: ComputeReportEntry = {
      strategy: setting.strategy,
      label: setting.label,
      ...(setting.budget !== undefined ? { budget: setting.budget } : {}),
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
