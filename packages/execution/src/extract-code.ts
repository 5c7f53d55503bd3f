// Getting the program out of a model's reply: models answer with prose around a fenced code
// block more often than with bare code.

const fencePattern = /```([^\n`]*)\n([\s\S]*?)(?:```|$)/g
const javascriptTags = new Set(['js', 'javascript', 'mjs', 'cjs', 'jsx', 'node'])

/**
 * The JavaScript program in a model's reply: the first fenced block tagged `js`/`javascript`
 * (or `mjs`, `cjs`, `jsx`, `node`), else the first fenced block of any tag, else the whole
 * reply. An unclosed final fence (a reply cut by the token limit) still counts as a block.
 */
export function extractCode(text: string): string {
  const blocks: Array<{ tag: string; body: string }> = []
  for (const match of text.matchAll(fencePattern)) {
    blocks.push({ tag: (match[1] ?? '').trim().toLowerCase(), body: match[2] ?? '' })
  }
  const chosen = blocks.find((block) => javascriptTags.has(block.tag)) ?? blocks[0]
  return chosen ? chosen.body : text
}
