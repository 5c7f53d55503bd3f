// Backends are optional peer dependencies of the orchestrator: each is imported the first time a
// model of its kind is used, so that a program that only talks to a remote API never loads (or
// needs to install) onnxruntime-node, and a local-only program never loads an API SDK.
import { ModelLoadError } from '@metagen/core'

/** What each backend package is needed for, for the "install it" message. */
const purposes = {
  '@metagen/onnx': 'local models (tinymath-*, model folders) and the verifier scorer',
  '@metagen/decoders': 'local models (the default decoder)',
  '@metagen/openai': 'openai:<id> and vllm:<id> models',
  '@metagen/anthropic': 'anthropic:<id> models',
} as const

/** A backend package the orchestrator loads on demand. */
export type BackendPackage = keyof typeof purposes

const loading = new Map<string, Promise<unknown>>()

function isMissingPackage(error: unknown, name: string): boolean {
  const code = (error as { code?: unknown } | null)?.code
  const message = error instanceof Error ? error.message : ''
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(name)
}

/**
 * Imports a backend package once (concurrent callers share the import). When it is not
 * installed, rejects with a {@link ModelLoadError} (its `source` is `source`, e.g. the model id)
 * saying which package to install and what it is for, e.g. "install @metagen/onnx to use local
 * models ...".
 */
export function loadBackend(
  name: '@metagen/onnx',
  source?: string,
): Promise<typeof import('@metagen/onnx')>
export function loadBackend(
  name: '@metagen/decoders',
  source?: string,
): Promise<typeof import('@metagen/decoders')>
export function loadBackend(
  name: '@metagen/openai',
  source?: string,
): Promise<typeof import('@metagen/openai')>
export function loadBackend(
  name: '@metagen/anthropic',
  source?: string,
): Promise<typeof import('@metagen/anthropic')>
export function loadBackend(name: BackendPackage, source: string = name): Promise<unknown> {
  let promise = loading.get(name)
  if (!promise) {
    promise = importBackend(name).catch((error: unknown) => {
      loading.delete(name)
      if (isMissingPackage(error, name)) {
        throw new ModelLoadError({
          source,
          message: `install ${name} to use ${purposes[name]} (npm install ${name})`,
          cause: error,
        })
      }
      throw error
    })
    loading.set(name, promise)
  }
  return promise
}

// One literal import() per package, so that bundlers and type-checkers see each of them.
function importBackend(name: BackendPackage): Promise<unknown> {
  switch (name) {
    case '@metagen/onnx':
      return import('@metagen/onnx')
    case '@metagen/decoders':
      return import('@metagen/decoders')
    case '@metagen/openai':
      return import('@metagen/openai')
    case '@metagen/anthropic':
      return import('@metagen/anthropic')
  }
}
