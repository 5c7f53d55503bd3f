// Where the embedded tinymath models and data live inside this package.
import { fileURLToPath } from 'node:url'

const assetsUrl = new URL('../assets/', import.meta.url)
const dataUrl = new URL('../data/', import.meta.url)

/** Names of the embedded models. */
export const tinymathModelIds = [
  'tinymath-generator',
  'tinymath-draft',
  'tinymath-verifier',
] as const

/** One of {@link tinymathModelIds}. */
export type TinymathModelId = (typeof tinymathModelIds)[number]

/** Absolute folder of each embedded model (transformers.js/Optimum layout). */
export const tinymathModelPaths: Readonly<Record<TinymathModelId, string>> = {
  'tinymath-generator': fileURLToPath(new URL('generator', assetsUrl)),
  'tinymath-draft': fileURLToPath(new URL('draft', assetsUrl)),
  'tinymath-verifier': fileURLToPath(new URL('verifier', assetsUrl)),
}

/** Absolute path of the 300-problem dev set (`tinymath-dev.jsonl`). */
export const tinymathDevSetPath: string = fileURLToPath(new URL('tinymath-dev.jsonl', dataUrl))

/** True when `id` names an embedded model. */
export function isTinymathModelId(id: string): id is TinymathModelId {
  return (tinymathModelIds as readonly string[]).includes(id)
}
