// Checks an exported verifier under onnxruntime-node (@metagen/onnx's reward-model loader)
// against the PyTorch scores that train_verifier.py saved in probe.json: each sequence alone
// and all of them in one left-padded batch.
// Usage (after `pnpm build`): node check-verifier.mjs MODEL_FOLDER PROBE.json
import { readFileSync } from 'node:fs'
import { loadOnnxRewardModel } from '../../../onnx/dist/index.js'

const [folder, probePath] = process.argv.slice(2)
const probe = JSON.parse(readFileSync(probePath, 'utf8'))
const model = await loadOnnxRewardModel(folder)
try {
  let worst = 0
  const batched = await model.scoreTokens(probe.sequences)
  for (const [index, sequence] of probe.sequences.entries()) {
    const [alone] = await model.scoreTokens([sequence])
    const reference = probe.token_scores[index]
    for (let t = 0; t < sequence.length; t++) {
      worst = Math.max(worst, Math.abs(alone[t] - reference[t]), Math.abs(batched[index][t] - reference[t]))
    }
  }
  console.log(`max abs difference vs PyTorch over ${probe.sequences.length} sequences: ${worst.toExponential(2)}`)
  if (!(worst < 1e-3)) process.exitCode = 1
} finally {
  await model.close()
}
