// Importing the orchestrator loads no backend: onnxruntime-node, the tokenizer library, the API
// SDKs, yaml and refa load only when a model (or spec) of their kind is first used. Runs the
// check script against the built package in a fresh Node process.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

describe('lazy backends', () => {
  it('import @metagen/orchestrator loads no backend, SDK, yaml or refa', () => {
    const script = fileURLToPath(new URL('../scripts/loaded-modules.mjs', import.meta.url))
    const output = execFileSync(process.execPath, [script], { encoding: 'utf8' })
    expect(output).toMatch(/loads: .*@metagen\/core/)
    expect(output).toMatch(/none of onnxruntime-node/)
  })
})
