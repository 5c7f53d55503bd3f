// @metagen/anthropic/testing: a fake Anthropic Messages API server for tests, benchmarks and offline examples.
// The HTTP harness under it (startFakeServerHarness, fakeTokenize, ...) is @metagen/provider-utils/testing.

export type {
  FakeAnthropicResponder,
  FakeAnthropicResponderContext,
  FakeAnthropicServer,
  FakeAnthropicServerOptions,
} from './fake-anthropic-server.js'
export { defaultFakeAnthropicResponder, startFakeAnthropicServer } from './fake-anthropic-server.js'
