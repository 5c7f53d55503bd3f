// @metagen/anthropic/testing: a fake Anthropic Messages API server for tests, benchmarks and offline examples.
export type {
  FakeAnthropicResponder,
  FakeAnthropicResponderContext,
  FakeAnthropicServer,
  FakeAnthropicServerOptions,
} from './fake-anthropic-server.js'
export { defaultFakeAnthropicResponder, startFakeAnthropicServer } from './fake-anthropic-server.js'
export type {
  FakeRequestContext,
  FakeServerHarness,
  RecordedRequest,
  ScriptedResponse,
} from './fake-http-server.js'
export { extractQuestion, fakeTokenize, startFakeServerHarness } from './fake-http-server.js'
