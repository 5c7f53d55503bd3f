// The API key of a remote backend: the explicit setting wins, else an environment variable;
// a missing key is an InvalidArgumentError that names both, so the fix is in the message.
import { InvalidArgumentError } from '@metagen/core'

/** Options of {@link loadApiKey} and {@link loadOptionalApiKey}. */
export interface LoadApiKeyOptions {
  /** The explicit setting (e.g. `settings.apiKey`); used whenever it is not undefined. */
  apiKey: string | undefined
  /** The environment variable read when `apiKey` is undefined, e.g. `OPENAI_API_KEY`. */
  environmentVariableName: string
  /** Name of the setting in error messages (default `settings.apiKey`). */
  settingName?: string
  /** What the key is, for error messages, e.g. `an OpenAI API key`. */
  description: string
}

/**
 * The API key: `options.apiKey` when it is not undefined, else the environment variable
 * `options.environmentVariableName`. Throws {@link InvalidArgumentError} naming the setting and
 * the environment variable when neither gives a non-empty string (an explicit empty string is
 * not replaced by the environment variable).
 */
export function loadApiKey(options: LoadApiKeyOptions): string {
  const apiKey = loadOptionalApiKey(options)
  if (apiKey === undefined) {
    throw new InvalidArgumentError({
      argument: options.settingName ?? 'settings.apiKey',
      expected: `${options.description} (pass ${options.settingName ?? 'settings.apiKey'} or set the ${options.environmentVariableName} environment variable)`,
      received: options.apiKey,
    })
  }
  return apiKey
}

/**
 * Like {@link loadApiKey}, for servers that need no key: undefined when neither the setting nor
 * the environment variable gives one (an empty string counts as none). Still throws
 * {@link InvalidArgumentError} when the setting is given but is not a string.
 */
export function loadOptionalApiKey(options: LoadApiKeyOptions): string | undefined {
  const settingName = options.settingName ?? 'settings.apiKey'
  if (options.apiKey !== undefined && typeof options.apiKey !== 'string') {
    throw new InvalidArgumentError({
      argument: settingName,
      expected: `${options.description} as a string`,
      received: typeof options.apiKey,
    })
  }
  const apiKey =
    options.apiKey ??
    (typeof process === 'undefined' ? undefined : process.env[options.environmentVariableName])
  return apiKey === undefined || apiKey === '' ? undefined : apiKey
}
