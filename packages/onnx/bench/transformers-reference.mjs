// transformers.js as the reference side of the benches: a local model folder loaded offline,
// greedy generation and sequential sampling the way a transformers.js user runs them.
import { AutoModelForCausalLM, AutoTokenizer, env } from '@huggingface/transformers'

/** Loads the model folder `name` below `root` (fp32, CPU) with no remote access. */
export async function loadTransformersReference(root, name) {
  env.allowRemoteModels = false
  env.localModelPath = root
  return {
    tokenizer: await AutoTokenizer.from_pretrained(name),
    model: await AutoModelForCausalLM.from_pretrained(name, { dtype: 'fp32', device: 'cpu' }),
  }
}

/** The new token ids of a greedy generation, filtered by `keep` (e.g. without eos/padding). */
export async function transformersGreedy(reference, prompt, maxNewTokens, keep) {
  const inputs = reference.tokenizer(prompt)
  const promptLength = inputs.input_ids.dims[1]
  const output = await reference.model.generate({
    ...inputs,
    max_new_tokens: maxNewTokens,
    do_sample: false,
  })
  return keep(Array.from(output[0].data, Number).slice(promptLength))
}

/**
 * The number of new tokens (after `keep`) of `samples` generations at temperature 1 with no
 * top-k, one after the other: transformers.js has no working multi-sample generation.
 */
export async function transformersSamples(reference, prompt, samples, maxNewTokens, keep) {
  const inputs = reference.tokenizer(prompt)
  const promptLength = inputs.input_ids.dims[1]
  let tokens = 0
  for (let index = 0; index < samples; index++) {
    const output = await reference.model.generate({
      ...inputs,
      max_new_tokens: maxNewTokens,
      do_sample: true,
      temperature: 1,
      top_k: 0,
    })
    tokens += keep(Array.from(output[0].data, Number).slice(promptLength)).length
  }
  return tokens
}
