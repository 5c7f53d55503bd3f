// @metagen/anthropic/testing: a fake Anthropic Messages API server for tests, benchmarks and offline examples.

export type {
  FakeRequestContext,
  FakeServerHarness,
  RecordedRequest,
  ScriptedResponse,
} from '@metagen/provider-utils/testing'
export {
  extractQuestion,
  fakeTokenize,
  startFakeServerHarness,
} from '@metagen/provider-utils/testing'
export type {
  FakeAnthropicResponder,
  FakeAnthropicResponderContext,
  FakeAnthropicServer,
  FakeAnthropicServerOptions,
} from './fake-anthropic-server.js'
export { defaultFakeAnthropicResponder, startFakeAnthropicServer } from './fake-anthropic-server.js'
