// The warnings remote models attach to a result for settings they dropped, provider options
// they did not know, and models without a price.
import type { GenerateWarning } from '@metagen/core'

/** `unsupported-setting` warning: `${setting} was dropped: ${why}`. */
export function droppedSettingWarning(setting: string, why: string): GenerateWarning {
  return { type: 'unsupported-setting', setting, message: `${setting} was dropped: ${why}` }
}

/**
 * `unsupported-setting` warning for each key of `providerOptions[namespace]` that is not in
 * `known`, in the keys' order (e.g. namespace `openai`: `providerOptions.openai.foo`).
 */
export function unknownProviderOptionWarnings(
  namespace: string,
  keys: Iterable<string>,
  known?: ReadonlySet<string>,
): GenerateWarning[] {
  const warnings: GenerateWarning[] = []
  for (const key of keys) {
    if (known?.has(key)) continue
    const setting = `providerOptions.${namespace}.${key}`
    warnings.push({
      type: 'unsupported-setting',
      setting,
      message: `Unknown option ${setting} was ignored (use extraBody to send raw fields).`,
    })
  }
  return warnings
}

/** `other` warning on `costUsd` for a model without a price; `factory` names where to add one, e.g. `createOpenAI`. */
export function missingPriceWarning(modelId: string, factory: string): GenerateWarning {
  return {
    type: 'other',
    setting: 'costUsd',
    message: `No price is known for model ${modelId}; usage has no costUsd (add it with ${factory}({ prices })).`,
  }
}
