import { createRng } from '@metagen/core'
import { compileConstraint, createJsonSchemaConstraint } from '@metagen/decoders'
import { loadTokenizer } from '@metagen/onnx'
import { tinymathModelPaths } from '@metagen/tinymath'
const tokenizer = loadTokenizer({ tokenizerPath: `${tinymathModelPaths['tinymath-generator']}/tokenizer.json`, eosTokenIds: [0], padTokenId: 0 })
const schema = JSON.parse(process.argv[2]); const budgeted = process.argv[3] === 'budget'
const compiled = compileConstraint(createJsonSchemaConstraint(schema), tokenizer)
const rng = createRng(0); let state = compiled.initialState; const ids = []
for (let step = 0; step < 200; step++) {
  const t = Date.now()
  const allowed = compiled.allowedTokens(state, budgeted ? { remainingTokens: 200 - step } : undefined)
  const dt = Date.now() - t
  if (dt > 200) console.log('step', step, dt, 'ms', allowed.length, JSON.stringify(tokenizer.decode(ids)).slice(-60), Math.round(process.memoryUsage().heapUsed / 1e6), 'MB')
  const eos = allowed.filter((x) => compiled.isEos(x))
  const pick = eos.length > 0 && rng.next() < 0.5 ? eos[0] : allowed[Math.floor(rng.next() * allowed.length)]
  if (compiled.isEos(pick)) break
  ids.push(pick); state = compiled.advance(state, pick)
}
console.log('done', tokenizer.decode(ids).slice(0, 100))
