// Choosing the best nodes of a ranked list, optionally skipping duplicate solutions.
import type { SearchNode } from './search-session.js'

/**
 * The first `count` nodes of `ranked` (already sorted best first); with `deduplicate`, a node
 * whose solution text equals that of a node already taken is skipped.
 */
export function selectTop(
  ranked: readonly SearchNode[],
  count: number,
  deduplicate: boolean,
): SearchNode[] {
  const taken: SearchNode[] = []
  const texts = new Set<string>()
  for (const node of ranked) {
    if (taken.length >= count) break
    if (deduplicate) {
      if (texts.has(node.state.text)) continue
      texts.add(node.state.text)
    }
    taken.push(node)
  }
  return taken
}
