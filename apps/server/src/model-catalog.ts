// The models a server exposes: the operator names them (tinymath ids, model folders, allowlisted
// remote models); a request can only pick one of them by its served id. Request bodies never
// reach the filesystem or a remote provider unless the operator allowlists that.
import { realpathSync, statSync } from 'node:fs'
import { basename, relative, resolve, sep } from 'node:path'
import { InvalidArgumentError } from '@metagen/core'
import { isTinymathModelId } from '@metagen/tinymath'

/** One served model. */
export interface ServedModel {
  /** The id clients use (`model` field, strategy options such as `draft`). */
  id: string
  /** What the id stands for in the orchestrator: a tinymath id, a real folder path, or `provider:id`. */
  reference: string
  /** `local` (ONNX, in this process) or `remote` (an API the operator allowlisted). */
  kind: 'local' | 'remote'
}

/** Options of {@link createModelCatalog}. */
export interface ModelCatalogOptions {
  /**
   * Served models: a tinymath id, a model folder (served as its folder name), `NAME=FOLDER`,
   * or a remote model `provider:id` (served under that id). Default: the tinymath models.
   */
  models: readonly string[]
  /** Remote providers accepted in `models` (e.g. `openai`); a remote entry of another provider throws. */
  remoteProviders?: readonly string[]
  /**
   * Folders whose model sub-folders a request may name by path (e.g. `draft: "/srv/models/x"`).
   * Default: none. Paths are resolved (symlinks included) and must lie inside one of them.
   */
  allowedModelDirectories?: readonly string[]
  /** Remote providers a request may name as `provider:id` (default: none). */
  allowedRemoteProviders?: readonly string[]
}

/** The served models and the rule that maps a request's model reference to one of them. */
export interface ModelCatalog {
  /** The served models, in the operator's order. */
  readonly models: readonly ServedModel[]
  /**
   * The served model a request names by `reference`. Throws InvalidArgumentError (argument
   * `param`) when the reference is not served: the message lists the served ids and never a path.
   */
  resolve(reference: unknown, param: string): ServedModel
  /** The served model with this id, or undefined. */
  find(id: string): ServedModel | undefined
}

const remotePattern = /^([a-z][a-z0-9-]*):(.+)$/

/**
 * Builds the catalog. Throws InvalidArgumentError (argument `models`) for an entry that is
 * neither a tinymath id, an existing folder nor an allowed remote model, or for two entries
 * with the same served id.
 */
export function createModelCatalog(options: ModelCatalogOptions): ModelCatalog {
  const remoteProviders = options.remoteProviders ?? ['openai', 'anthropic', 'vllm']
  const models: ServedModel[] = []
  const byId = new Map<string, ServedModel>()
  for (const entry of options.models) {
    const model = parseServedModel(entry, remoteProviders)
    if (byId.has(model.id)) {
      throw new InvalidArgumentError({
        argument: 'models',
        expected: `unique served model ids (${model.id} is named twice; use NAME=FOLDER)`,
        received: entry,
      })
    }
    byId.set(model.id, model)
    models.push(model)
  }
  if (models.length === 0) {
    throw new InvalidArgumentError({
      argument: 'models',
      expected: 'at least one model to serve',
      received: options.models,
    })
  }
  const directories = (options.allowedModelDirectories ?? []).map((directory) =>
    realDirectory(directory, 'allowedModelDirectories'),
  )
  const allowedProviders = options.allowedRemoteProviders ?? []
  const servedList = () => models.map((model) => model.id).join(', ')

  return {
    models,
    find: (id) => byId.get(id),
    resolve(reference, param) {
      if (typeof reference !== 'string' || reference.trim() === '') {
        throw new InvalidArgumentError({
          argument: param,
          expected: `a served model id (${servedList()})`,
          received: reference,
        })
      }
      const served = byId.get(reference)
      if (served) return served
      const remote = remotePattern.exec(reference)
      if (remote && allowedProviders.includes(remote[1] as string)) {
        return { id: reference, reference, kind: 'remote' }
      }
      if (directories.length > 0 && !remote) {
        const local = resolveAllowedFolder(reference, directories)
        if (local) return { id: reference, reference: local, kind: 'local' }
      }
      throw new InvalidArgumentError({
        argument: param,
        expected: `a served model id (${servedList()})${directories.length > 0 ? ' or a model folder inside an allowed directory' : ''}`,
        received: reference,
      })
    },
  }
}

function parseServedModel(entry: string, remoteProviders: readonly string[]): ServedModel {
  if (isTinymathModelId(entry)) return { id: entry, reference: entry, kind: 'local' }
  const named = /^([A-Za-z0-9][A-Za-z0-9._-]*)=(.+)$/.exec(entry)
  const remote = remotePattern.exec(entry)
  if (!named && remote && !/^[a-zA-Z]:[\\/]/.test(entry)) {
    if (!remoteProviders.includes(remote[1] as string)) {
      throw new InvalidArgumentError({
        argument: 'models',
        expected: `a tinymath id, a model folder, NAME=FOLDER or ${remoteProviders.map((provider) => `${provider}:<id>`).join(', ')}`,
        received: entry,
      })
    }
    return { id: entry, reference: entry, kind: 'remote' }
  }
  const folder = named ? (named[2] as string) : entry
  const reference = realDirectory(folder, 'models')
  const id = named ? (named[1] as string) : basename(reference)
  return { id, reference, kind: 'local' }
}

function realDirectory(path: string, argument: string): string {
  try {
    const real = realpathSync(resolve(path))
    if (statSync(real).isDirectory()) return real
  } catch {
    // reported below
  }
  throw new InvalidArgumentError({
    argument,
    expected: 'an existing folder',
    received: path,
  })
}

function resolveAllowedFolder(
  reference: string,
  directories: readonly string[],
): string | undefined {
  let real: string
  try {
    real = realpathSync(resolve(reference))
    if (!statSync(real).isDirectory()) return undefined
  } catch {
    return undefined
  }
  for (const directory of directories) {
    const inside = relative(directory, real)
    if (inside !== '' && !inside.startsWith('..') && !inside.startsWith(sep)) return real
  }
  return undefined
}
