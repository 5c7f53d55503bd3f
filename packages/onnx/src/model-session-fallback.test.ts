import { tinymathModelPaths } from '@metagen/tinymath'
import { describe, expect, it, vi } from 'vitest'
import { createModelSession } from './model-session.js'

// The graph simplification's fall-back: when onnxruntime rejects the rewritten model, the session
// loads the model as exported. A rewrite that onnxruntime rejects cannot be had from a correct
// simplifyGraph, so here it returns bytes that are not a model.
vi.mock('./simplify-graph.js', () => ({
  simplifyGraph: () => ({
    model: Uint8Array.from([0x0a, 0xff]),
    foldedReshapes: 1,
    nodesBefore: 2,
    nodesAfter: 1,
  }),
}))

describe('createModelSession with a rewritten model onnxruntime rejects', () => {
  it('loads the model as exported, KV patch included', async () => {
    const file = `${tinymathModelPaths['tinymath-generator']}/onnx/model.onnx`
    const created = await createModelSession(file, { threads: 1, spinning: 'never' })
    try {
      expect(created.graphSimplified).toBe(false)
      expect(created.slicedKv).toBe(true)
      expect(created.session.outputMetadata.map((value) => value.name)).toContain('logits')
    } finally {
      await created.session.release()
    }
  })
})
