// The `providerOptions.anthropic` bag: Messages API parameters the core request has no field
// for (extended thinking, output configuration, metadata, service tier), streaming, raw fields.

import type {
  MessageCreateParamsBase,
  Metadata,
  OutputConfig,
  ThinkingConfigParam,
} from '@anthropic-ai/sdk/resources/messages'
import { InvalidArgumentError } from '@metagen/core'

/**
 * Options read from `request.providerOptions.anthropic` (camelCase; wire names in comments).
 * The object-valued fields take the SDK's types; they are checked to be objects and sent as
 * given.
 */
export interface AnthropicProviderOptions {
  /** `thinking`, e.g. `{ type: 'adaptive' }` or `{ type: 'enabled', budget_tokens: 2048 }`. */
  thinking?: ThinkingConfigParam
  /** `output_config`, e.g. `{ effort: 'low' }` or a JSON output `format`. */
  outputConfig?: OutputConfig
  /** `metadata`, e.g. `{ user_id }`. */
  metadata?: Metadata
  /** `service_tier`: `auto` or `standard_only`. */
  serviceTier?: MessageCreateParamsBase['service_tier']
  /** Stream the response over SSE (overrides the model option `stream`). */
  stream?: boolean
  /** Extra wire fields merged into the body as-is. */
  extraBody?: Record<string, unknown>
}

const knownKeys: ReadonlySet<string> = new Set([
  'thinking',
  'outputConfig',
  'metadata',
  'serviceTier',
  'stream',
  'extraBody',
])

/**
 * Validates the `anthropic` namespace of `providerOptions`. Unknown keys are returned separately
 * (they become warnings); a known key with a value of the wrong kind throws
 * {@link InvalidArgumentError} naming `providerOptions.anthropic.<key>`.
 */
export function parseAnthropicProviderOptions(value: Record<string, unknown> | undefined): {
  options: AnthropicProviderOptions
  unknownKeys: string[]
} {
  if (value === undefined) return { options: {}, unknownKeys: [] }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError({
      argument: 'providerOptions.anthropic',
      expected: 'an object',
      received: value,
    })
  }
  const name = (key: string) => `providerOptions.anthropic.${key}`
  for (const key of ['thinking', 'outputConfig', 'metadata', 'extraBody']) {
    const field = value[key]
    if (
      field !== undefined &&
      (typeof field !== 'object' || field === null || Array.isArray(field))
    ) {
      throw new InvalidArgumentError({
        argument: name(key),
        expected: 'an object',
        received: field,
      })
    }
  }
  if (value.serviceTier !== undefined && typeof value.serviceTier !== 'string') {
    throw new InvalidArgumentError({
      argument: name('serviceTier'),
      expected: 'a string such as "auto" or "standard_only"',
      received: value.serviceTier,
    })
  }
  if (value.stream !== undefined && typeof value.stream !== 'boolean') {
    throw new InvalidArgumentError({
      argument: name('stream'),
      expected: 'a boolean',
      received: value.stream,
    })
  }
  return {
    options: value as AnthropicProviderOptions,
    unknownKeys: Object.keys(value).filter((key) => !knownKeys.has(key)),
  }
}
