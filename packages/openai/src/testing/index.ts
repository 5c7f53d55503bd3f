// @metagen/openai/testing: a fake OpenAI-compatible server for tests, benchmarks and offline examples.
export type {
  FakeRequestContext,
  FakeServerHarness,
  RecordedRequest,
  ScriptedResponse,
} from './fake-http-server.js'
export {
  extractQuestion,
  fakeLogprob,
  fakeTokenId,
  fakeTokenize,
  startFakeServerHarness,
} from './fake-http-server.js'
export type {
  FakeOpenAIResponder,
  FakeOpenAIResponderContext,
  FakeOpenAIServer,
  FakeOpenAIServerOptions,
} from './fake-openai-server.js'
export { defaultFakeOpenAIResponder, startFakeOpenAIServer } from './fake-openai-server.js'
