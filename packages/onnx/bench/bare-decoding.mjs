// Bare decode loops with no library around them: bench:summary's onnxruntime floor (what greedy
// and speculative greedy decoding cost when nothing but onnxruntime runs) and bench:native (the
// public InferenceSession.run against the native session's synchronous run). A loop runs on the
// main thread, on the ONNX file exactly as shipped (no graph rewrites), with `present.*` fed back
// as the next `past_key_values.*` and argmax in a plain loop. Speculative greedy drafts k tokens
// with the draft session, verifies them in one target pass and rolls both caches back by slicing
// to the committed length. Scoring runs a sequence-scoring model (token_scores) over token
// sequences in batches of a given size, left-padded, as bench:summary's reward-batching floor.
import { createRequire } from 'node:module'
import * as ort from 'onnxruntime-node'

const require = createRequire(import.meta.url)
const { binding, initOrt } = require('onnxruntime-node/dist/binding.js')

/**
 * Loads `file` with the worker's settings for `threads` (2 threads spinning briefly between
 * passes, or 1 thread without spinning). With `api` 'native' (the default) passes call
 * onnxruntime-node's native session synchronously (no event-loop turn per pass, the least any
 * caller can pay); with 'public' they go through the public InferenceSession.run. The returned
 * session's `runMs` sums the milliseconds spent inside its runs.
 * @param {string} file model.onnx path
 * @param {1 | 2} threads intra-op threads
 * @param {'native' | 'public'} [api]
 */
export async function loadBareSession(file, threads, api = 'native') {
  const options = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    extra: {
      session: {
        intra_op:
          threads === 1
            ? { allow_spinning: '0' }
            : { allow_spinning: '1', spin_duration_us: '2000' },
      },
    },
  }
  // The public session reads the metadata (and runs the passes with api 'public').
  const described = await ort.InferenceSession.create(file, options)
  const past = described.inputMetadata
    .filter((value) => value.name.startsWith('past_key_values.'))
    .map((value) => ({
      name: value.name,
      present: value.name.replace('past_key_values', 'present'),
      heads: value.shape[1],
      headSize: value.shape[3],
    }))
  // `runMs` counts the time inside run: the native run returns synchronously, the public one a
  // promise (timed when it settles).
  const timed = (run, dispose) => {
    const bare = { past, runMs: 0, dispose }
    bare.run = (feeds) => {
      const started = performance.now()
      const outputs = run(feeds)
      const count = (value) => {
        bare.runMs += performance.now() - started
        return value
      }
      return outputs instanceof Promise ? outputs.then(count) : count(outputs)
    }
    return bare
  }
  if (api === 'public') {
    return timed(
      (feeds) => described.run(feeds),
      () => described.release(),
    )
  }
  const fetches = Object.fromEntries(described.outputNames.map((name) => [name, null]))
  await described.release()
  initOrt()
  const session = new binding.InferenceSession()
  session.loadModel(file, { ...options, executionProviders: [] })
  return timed(
    (feeds) => session.run(feeds, fetches, {}),
    () => session.dispose(),
  )
}

/** A sequence in one bare session: its cache and length. */
function startSequence(bare) {
  const cache = Object.fromEntries(
    bare.past.map((entry) => [
      entry.name,
      new ort.Tensor('float32', new Float32Array(0), [1, entry.heads, 0, entry.headSize]),
    ]),
  )
  return { bare, cache, length: 0 }
}

/** Feeds `ids` after the sequence's cache; resolves to the argmax token after each fed position. */
async function feed(sequence, ids) {
  const count = ids.length
  const total = sequence.length + count
  const outputs = await sequence.bare.run({
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, count]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
    position_ids: new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: count }, (_, index) => BigInt(sequence.length + index)),
      [1, count],
    ),
    ...sequence.cache,
  })
  sequence.length = total
  for (const entry of sequence.bare.past) sequence.cache[entry.name] = outputs[entry.present]
  const logits = outputs.logits.data
  const vocab = outputs.logits.dims[2]
  const best = []
  for (let row = 0; row < count; row++) {
    const offset = row * vocab
    let top = 0
    for (let token = 1; token < vocab; token++) {
      if (logits[offset + token] > logits[offset + top]) top = token
    }
    best.push(top)
  }
  return best
}

/** Drops cached positions from `length` on (a copy of the kept part, as a bare loop must). */
function truncate(sequence, length) {
  if (sequence.length === length) return
  for (const entry of sequence.bare.past) {
    const tensor = sequence.cache[entry.name]
    const [, heads, kept, size] = tensor.dims
    const data = new Float32Array(heads * length * size)
    for (let head = 0; head < heads; head++) {
      const from = head * kept * size
      data.set(tensor.data.subarray(from, from + length * size), head * length * size)
    }
    sequence.cache[entry.name] = new ort.Tensor('float32', data, [1, heads, length, size])
  }
  sequence.length = length
}

/**
 * Greedy decoding of `prompt` for at most `maxTokens` tokens (one pass each), stopping after an
 * end token.
 * @returns {Promise<number[]>} the generated token ids (the end token included when produced)
 */
export async function bareGreedy(target, prompt, maxTokens, eosTokenIds) {
  const sequence = startSequence(target)
  const out = []
  let next = (await feed(sequence, prompt)).at(-1)
  while (out.length < maxTokens) {
    out.push(next)
    if (eosTokenIds.has(next) || out.length === maxTokens) break
    next = (await feed(sequence, [next]))[0]
  }
  return out
}

/**
 * Speculative greedy decoding with a fixed draft length `k`: the same tokens as
 * {@link bareGreedy}, in fewer target passes.
 * @returns {Promise<number[]>} the generated token ids
 */
export async function bareSpeculativeGreedy(target, draft, prompt, maxTokens, k, eosTokenIds) {
  const verifier = startSequence(target)
  const drafter = startSequence(draft)
  const committed = [...prompt]
  const out = []
  // `next` is the target's token after `committed`, not yet fed to either model.
  let next = (await feed(verifier, prompt)).at(-1)
  while (out.length < maxTokens) {
    const drafts = []
    let pending = [...committed.slice(drafter.length), next]
    for (let index = 0; index < k; index++) {
      const token = (await feed(drafter, pending)).at(-1)
      drafts.push(token)
      pending = [token]
    }
    const checked = await feed(verifier, [next, ...drafts])
    let accepted = 0
    while (accepted < k && checked[accepted] === drafts[accepted]) accepted++
    for (const token of [next, ...drafts.slice(0, accepted)]) {
      out.push(token)
      committed.push(token)
      if (eosTokenIds.has(token) || out.length === maxTokens) return out
    }
    next = checked[accepted]
    truncate(verifier, committed.length)
    truncate(drafter, Math.min(drafter.length, committed.length))
  }
  return out
}

/**
 * Runs a sequence-scoring model (a `token_scores` output, e.g. tinymath-verifier) over
 * `sequences` in passes of at most `batchSize` rows: the sequences sorted by length and cut in
 * that order, each pass left-padded to its longest row with attention mask 0 and position ids
 * counting real tokens from 0 (1 at padding), as metagen's reward model feeds them.
 * @param {{ run: (feeds: object) => object | Promise<object> }} bare a session of loadBareSession
 * @param {readonly (readonly number[])[]} sequences token ids
 * @param {number} batchSize rows per pass, >= 1
 * @returns {Promise<Float32Array[]>} each sequence's token scores, in the order given
 */
export async function bareScore(bare, sequences, batchSize) {
  const order = sequences.map((_, index) => index)
  order.sort((a, b) => sequences[a].length - sequences[b].length)
  const scores = new Array(sequences.length)
  for (let start = 0; start < order.length; start += batchSize) {
    const rows = order.slice(start, start + batchSize)
    const width = Math.max(...rows.map((index) => sequences[index].length))
    const ids = new BigInt64Array(rows.length * width)
    const mask = new BigInt64Array(rows.length * width)
    const positions = new BigInt64Array(rows.length * width).fill(1n)
    rows.forEach((index, row) => {
      const sequence = sequences[index]
      const offset = row * width + width - sequence.length
      sequence.forEach((token, column) => {
        ids[offset + column] = BigInt(token)
        mask[offset + column] = 1n
        positions[offset + column] = BigInt(column)
      })
    })
    const dims = [rows.length, width]
    const outputs = await bare.run({
      input_ids: new ort.Tensor('int64', ids, dims),
      attention_mask: new ort.Tensor('int64', mask, dims),
      position_ids: new ort.Tensor('int64', positions, dims),
    })
    const data = outputs.token_scores.data
    rows.forEach((index, row) => {
      const end = (row + 1) * width
      scores[index] = Float32Array.from(data.subarray(end - sequences[index].length, end))
    })
  }
  return scores
}
