// node check-entries.mjs FILE: compile + 4 walks + ajv for each entry (like the corpus test)
import { readFileSync } from 'node:fs'
import { createRng } from '@metagen/core'
import { compileConstraint, createJsonSchemaConstraint } from '@metagen/decoders'
import { loadTokenizer } from '@metagen/onnx'
import { tinymathModelPaths } from '@metagen/tinymath'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { Ajv } from 'ajv'
import AjvDraft04 from 'ajv-draft-04'
import addFormats from 'ajv-formats'
const tokenizer = loadTokenizer({ tokenizerPath: `${tinymathModelPaths['tinymath-generator']}/tokenizer.json`, eosTokenIds: [0], padTokenId: 0 })
for (const entry of JSON.parse(readFileSync(process.argv[2], 'utf8'))) {
  const draft = typeof entry.schema === 'object' ? String(entry.schema.$schema ?? '') : ''
  const options = { strict: false, validateFormats: true }
  const ajv = draft.includes('draft-04') ? new AjvDraft04(options) : draft.includes('draft-0') ? new Ajv(options) : new Ajv2020(options)
  addFormats(ajv)
  const validate = ajv.compile(draft.includes('draft-06') ? { ...entry.schema, $schema: undefined } : entry.schema)
  let compiled
  try { compiled = compileConstraint(createJsonSchemaConstraint(entry.schema), tokenizer) } catch (error) { console.log(`${entry.id}: REFUSED ${error.message.slice(0, 300)} (satisfiable ${entry.satisfiable})`); continue }
  const outs = []
  for (let seed = 0; seed < 4; seed++) {
    const rng = createRng(seed); let state = compiled.initialState; const ids = []; let text
    for (let step = 0; step < 200; step++) {
      const allowed = compiled.allowedTokens(state, { remainingTokens: 200 - step })
      const eos = allowed.filter((t) => compiled.isEos(t))
      const pick = eos.length > 0 && rng.next() < 0.5 ? eos[0] : allowed[Math.floor(rng.next() * allowed.length)]
      if (compiled.isEos(pick)) { text = tokenizer.decode(ids); break }
      ids.push(pick); state = compiled.advance(state, pick)
    }
    if (text === undefined && compiled.isAccepting(state)) text = tokenizer.decode(ids)
    let ok = false; try { ok = validate(JSON.parse(text)) } catch {}
    outs.push(`${ok ? 'ok' : 'INVALID'} ${text}`)
  }
  console.log(Math.round(process.memoryUsage().heapUsed/1e6), "MB", `${entry.id} (satisfiable ${entry.satisfiable}):\n  ${outs.join('\n  ')}`)
}
