// @metagen/openai/testing: a fake OpenAI-compatible server for tests, benchmarks and offline examples.
export type {
  FakeRequestContext,
  FakeServerHarness,
  RecordedRequest,
  ScriptedResponse,
} from '@metagen/provider-utils/testing'
export {
  extractQuestion,
  fakeLogprob,
  fakeTokenId,
  fakeTokenize,
  startFakeServerHarness,
} from '@metagen/provider-utils/testing'
export type {
  FakeOpenAIResponder,
  FakeOpenAIResponderContext,
  FakeOpenAIServer,
  FakeOpenAIServerOptions,
} from './fake-openai-server.js'
export { defaultFakeOpenAIResponder, startFakeOpenAIServer } from './fake-openai-server.js'
