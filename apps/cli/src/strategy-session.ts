// Setting up a strategy run from parsed flags: the environment (models loaded once), the
// validated spec and its generator, closed together at the end.
import {
  compact,
  type Generator,
  InvalidArgumentError,
  type TextInput,
  type TextOutput,
  UnsupportedCapabilityError,
} from '@metagen/core'
import { ONNX_DTYPES, type OnnxDtype } from '@metagen/onnx'
import {
  createStrategyEnvironment,
  type ManagedStrategyEnvironment,
  type StrategyRegistry,
  type StrategySpec,
} from '@metagen/orchestrator'
import { type ParsedCommandLine, readIntegerFlag, readStringFlag } from './command-line.js'

/** The default run model. */
export const defaultModelId = 'tinymath-generator'

/** The environment of a command (without a strategy yet). */
export function openEnvironment(
  parsed: ParsedCommandLine,
  registry: StrategyRegistry,
): ManagedStrategyEnvironment {
  const maxTokens = readIntegerFlag(parsed.flags, 'max-tokens', 1)
  const threads = readIntegerFlag(parsed.flags, 'threads', 1)
  const baseUrl = readStringFlag(parsed.flags, 'base-url')
  const dtype = readStringFlag(parsed.flags, 'dtype')
  if (dtype !== undefined && !(ONNX_DTYPES as readonly string[]).includes(dtype)) {
    throw new InvalidArgumentError({
      argument: 'dtype',
      expected: `one of ${ONNX_DTYPES.join(', ')}`,
      received: dtype,
    })
  }
  return createStrategyEnvironment({
    modelId: readStringFlag(parsed.flags, 'model') ?? defaultModelId,
    registry,
    ...compact({ maxTokens, threads, baseUrl }),
    ...(dtype !== undefined ? { dtype: dtype as OnnxDtype } : {}),
  })
}

/** A validated strategy with its generator. */
export interface StrategySession {
  environment: ManagedStrategyEnvironment
  spec: StrategySpec
  generator: Generator<TextInput, TextOutput>
}

/**
 * Validates the parsed spec, opens the environment and builds the generator (which loads the
 * models it needs). On failure the environment is closed before the error propagates.
 */
export async function openStrategySession(
  parsed: ParsedCommandLine,
  registry: StrategyRegistry,
): Promise<StrategySession> {
  const spec = registry.validate(parsed.spec ?? { strategy: 'greedy' })
  const environment = openEnvironment(parsed, registry)
  try {
    const maxTokens = readIntegerFlag(parsed.flags, 'max-tokens', 1)
    if (maxTokens !== undefined) await assertMaxTokensFit(environment, maxTokens)
    const generator = await registry.get(spec.strategy).build(spec, environment)
    return { environment, spec, generator }
  } catch (error) {
    await environment.close()
    throw error
  }
}

/**
 * Throws InvalidArgumentError naming `--max-tokens` when the run model is local and `maxTokens`
 * leaves no room for a prompt in its context (OpenAI and vLLM refuse such a request too,
 * rather than cutting the output at the context).
 */
async function assertMaxTokensFit(
  environment: ManagedStrategyEnvironment,
  maxTokens: number,
): Promise<void> {
  let model: Awaited<ReturnType<ManagedStrategyEnvironment['tokenModel']>>
  try {
    model = await environment.tokenModel()
  } catch (error) {
    // A remote model has no token-level access: its server checks max_tokens itself.
    if (UnsupportedCapabilityError.isInstance(error)) return
    throw error
  }
  if (maxTokens >= model.maxSequenceLength) {
    throw new InvalidArgumentError({
      argument: '--max-tokens',
      expected: `an integer below ${model.maxSequenceLength}, the context of ${environment.modelId} (prompt and output share it)`,
      received: maxTokens,
    })
  }
}
