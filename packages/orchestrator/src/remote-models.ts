// Remote model factories by id prefix (`openai:<id>`, `anthropic:<id>`), as the strategy
// environment uses them; the built-in ones come from strategies/remote.ts.
import type { LanguageModel } from '@metagen/core'
import { remoteModelFactories } from './strategies/remote.js'

/** Connection settings shared by the remote models of a run. */
export interface RemoteModelSettings {
  /** Base URL of the API, e.g. `http://127.0.0.1:8000/v1` (default: the provider's). */
  baseUrl?: string
  /** API key (default: the provider's environment variable, e.g. OPENAI_API_KEY). */
  apiKey?: string
}

/** Creates the language model `modelId` of one provider. */
export type RemoteModelFactory = (
  modelId: string,
  settings: RemoteModelSettings,
) => LanguageModel | Promise<LanguageModel>

/** The built-in factories: `openai` (and OpenAI-compatible servers) and `anthropic`. */
export const defaultRemoteModelFactories: Readonly<Record<string, RemoteModelFactory>> =
  remoteModelFactories
