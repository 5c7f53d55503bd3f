// Which packages does `import '@metagen/orchestrator'` load? Prints the bare package names the
// import resolved (through a module resolve hook) and fails when a backend SDK, onnxruntime,
// the tokenizer library, yaml or refa is among them. Run after `pnpm build`:
//   node scripts/loaded-modules.mjs
import { register } from 'node:module'
import { MessageChannel } from 'node:worker_threads'

const { port1, port2 } = new MessageChannel()
const loaded = new Set()
port1.on('message', (specifier) => loaded.add(specifier))
port1.unref()
register(
  `data:text/javascript,${encodeURIComponent(`
let port
export function initialize(data) { port = data.port }
export async function resolve(specifier, context, next) {
  if (!specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.startsWith('file:') && !specifier.startsWith('node:') && !specifier.startsWith('data:')) port.postMessage(specifier)
  return next(specifier, context)
}`)}`,
  { data: { port: port2 }, transferList: [port2] },
)

await import('@metagen/orchestrator')
await new Promise((resolve) => setTimeout(resolve, 100))
const packages = [...loaded]
  .map((specifier) =>
    specifier.startsWith('@')
      ? specifier.split('/').slice(0, 2).join('/')
      : specifier.split('/')[0],
  )
  .filter((name, index, all) => all.indexOf(name) === index)
  .sort()
console.log(`import '@metagen/orchestrator' loads: ${packages.join(', ')}`)
const forbidden = [
  'onnxruntime-node',
  '@huggingface/tokenizers',
  'openai',
  '@anthropic-ai/sdk',
  '@metagen/onnx',
  '@metagen/openai',
  '@metagen/anthropic',
  'yaml',
  'refa',
]
const found = packages.filter((name) => forbidden.includes(name))
if (found.length > 0) {
  console.error(`eagerly loaded: ${found.join(', ')}`)
  process.exit(1)
}
console.log(`none of ${forbidden.join(', ')}`)
