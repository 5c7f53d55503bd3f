// @metagen/provider-utils/testing: the HTTP harness that fake API servers of remote backends
// are built on (scripted failures, request recording, in-flight counts, SSE, fake tokens).
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
  sendJson,
  startFakeServerHarness,
  waitUnlessClosed,
} from './fake-http-server.js'
export type { ServerSentEvent } from './send-server-sent-events.js'
export { sendServerSentEvents } from './send-server-sent-events.js'
