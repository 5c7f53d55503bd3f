// Request handling shared by the deterministic decoders' language models (beam search,
// contrastive search): sampling fields they cannot honour become warnings.
import type { GenerateRequest, GenerateWarning } from '@metagen/core'

/**
 * Adds an `unsupported-setting` warning for each sampling field of `request` that a
 * deterministic decoder ignores: temperature other than 0, topP, topK, and
 * `providerOptions.metagen`.
 */
export function warnIgnoredSamplingFields(
  request: GenerateRequest,
  warnings: GenerateWarning[],
  decoder: string,
): void {
  const ignored: string[] = []
  if (request.temperature !== undefined && request.temperature !== 0) ignored.push('temperature')
  if (request.topP !== undefined) ignored.push('topP')
  if (request.topK !== undefined) ignored.push('topK')
  if (request.providerOptions?.metagen !== undefined) ignored.push('providerOptions.metagen')
  for (const setting of ignored) {
    warnings.push({
      type: 'unsupported-setting',
      setting,
      message: `${decoder} is deterministic and ignores ${setting}; set processors on the decoder instead.`,
    })
  }
}
