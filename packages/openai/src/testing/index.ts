// @metagen/openai/testing: a fake OpenAI-compatible server for tests, benchmarks and offline examples.
// The HTTP harness under it (startFakeServerHarness, fakeTokenize, ...) is @metagen/provider-utils/testing.
export type {
  FakeOpenAIResponder,
  FakeOpenAIResponderContext,
  FakeOpenAIServer,
  FakeOpenAIServerOptions,
} from './fake-openai-server.js'
export { defaultFakeOpenAIResponder, startFakeOpenAIServer } from './fake-openai-server.js'
