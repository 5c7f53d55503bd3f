// Bare onnxruntime floor for greedy vs speculative greedy (k) on tinymath; scratch, not committed.
import { createRequire } from 'node:module'
import { loadOnnxTokenModel } from '@metagen/onnx'
import { formatPrompt, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'

const require = createRequire('/work/main/packages/onnx/package.json')
const ort = require('onnxruntime-node')
const spin = { intra_op: { allow_spinning: '1', spin_duration_us: '2000' } }
const mk = (name, threads, s) =>
  ort.InferenceSession.create(`/work/main/packages/tinymath/assets/${name}/onnx/model.onnx`, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    extra: { session: s },
  })
const target = await mk('generator', 2, spin)
const draft = await mk('draft', 1, { intra_op: { allow_spinning: '0' } })
const K = Number(process.env.K ?? 4)
const tokModel = await loadOnnxTokenModel(tinymathModelPaths['tinymath-generator'], {
  modelId: 'g',
})
const tok = tokModel.tokenizer
const eos = tok.eosTokenIds[0]
function state(s) {
  const past = {}
  for (const m of s.inputMetadata)
    if (m.name.startsWith('past'))
      past[m.name] = new ort.Tensor('float32', new Float32Array(0), [1, m.shape[1], 0, m.shape[3]])
  return { s, past, len: 0, names: s.inputNames.filter((n) => n.startsWith('past')) }
}
const stats = { tPass: 0, dPass: 0, tTime: 0, dTime: 0 }
async function feed(st, ids, which) {
  const n = ids.length,
    len = st.len
  const feeds = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, n]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(len + n).fill(1n), [1, len + n]),
    position_ids: new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: n }, (_, i) => BigInt(len + i)),
      [1, n],
    ),
    ...st.past,
  }
  const a = performance.now()
  const out = await st.s.run(feeds)
  if (which === 't') {
    stats.tPass++
    stats.tTime += performance.now() - a
  } else {
    stats.dPass++
    stats.dTime += performance.now() - a
  }
  st.len += n
  for (const k of st.names) st.past[k] = out[k.replace('past_key_values', 'present')]
  const V = out.logits.dims[2],
    L = out.logits.data
  const arg = []
  for (let r = 0; r < n; r++) {
    let b = 0
    const o = r * V
    for (let v = 1; v < V; v++) if (L[o + v] > L[o + b]) b = v
    arg.push(b)
  }
  return arg
}
function truncate(st, len) {
  if (st.len === len) return
  for (const k of st.names) {
    const t = st.past[k]
    const [B, H, L, D] = t.dims
    const d = new Float32Array(B * H * len * D)
    for (let h = 0; h < H; h++) d.set(t.data.subarray(h * L * D, h * L * D + len * D), h * len * D)
    st.past[k] = new ort.Tensor('float32', d, [B, H, len, D])
  }
  st.len = len
}
async function greedy(prompt, max) {
  const t = state(target)
  const out = []
  let next = (await feed(t, prompt, 't')).at(-1)
  while (out.length < max) {
    out.push(next)
    if (next === eos) break
    next = (await feed(t, [next], 't'))[0]
  }
  return out
}
async function spec(prompt, max) {
  const t = state(target),
    d = state(draft)
  const committed = [...prompt]
  let next = (await feed(t, prompt, 't')).at(-1)
  await feed(d, prompt.slice(0, -1), 'd')
  const out = []
  while (out.length < max && out.at(-1) !== eos) {
    // draft k tokens after committed + next
    const drafts = []
    let pending = [committed.at(-1), next].slice(d.len - committed.length + 1 >= 0 ? 0 : 0)
    // draft has seen committed[0..d.len); feed the rest + next
    pending = [...committed.slice(d.len), next]
    for (let i = 0; i < K; i++) {
      const a = await feed(d, pending, 'd')
      drafts.push(a.at(-1))
      pending = [a.at(-1)]
    }
    const verify = await feed(t, [next, ...drafts], 't')
    let acc = 0
    while (acc < K && verify[acc] === drafts[acc]) acc++
    const newTokens = [next, ...drafts.slice(0, acc)]
    for (const x of newTokens) {
      out.push(x)
      committed.push(x)
      if (x === eos) break
    }
    next = verify[acc]
    truncate(t, committed.length)
    truncate(d, Math.min(d.len, committed.length))
  }
  return out.slice(0, max)
}
const dev = await loadDevSet()
const probs = dev
  .filter((_, i) => i % 37 === 0)
  .slice(0, 6)
  .map((p) => tok.encode(formatPrompt(p.question)))
for (const p of probs) {
  await greedy(p, 200)
  await spec(p, 200)
}
const r = []
for (let round = 0; round < 6; round++) {
  let g = 0,
    s = 0,
    same = true
  for (const p of probs) {
    let a = performance.now()
    const go = await greedy(p, 200)
    g += performance.now() - a
    a = performance.now()
    const so = await spec(p, 200)
    s += performance.now() - a
    if (go.join() !== so.join()) same = false
  }
  r.push(g / s)
  console.log(
    'round',
    round,
    'greedy ms',
    g.toFixed(1),
    'spec ms',
    s.toFixed(1),
    'ratio',
    (g / s).toFixed(2),
    'same',
    same,
  )
}
console.log(
  'K',
  K,
  'median',
  r.sort()[r.length >> 1].toFixed(2),
  stats.tPass,
  stats.dPass,
  'target ms/pass',
  (stats.tTime / stats.tPass).toFixed(3),
  'draft ms/pass',
  (stats.dTime / stats.dPass).toFixed(3),
)
process.exit(0)
