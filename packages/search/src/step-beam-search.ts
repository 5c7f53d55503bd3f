// Step-level beam search with a process scorer, as search-and-learn defines it (Beeching et al.,
// "Scaling test-time compute with open models"; survey section 4): N active beams each sample
// one next step, the N/M best unfinished ones are kept and each continued M times, and finished
// solutions leave the beam so that N beams stay active.
import { type Generator, InvalidArgumentError, parseOption, type TextInput } from '@metagen/core'
import { searchOptionSchemas } from './option-schemas.js'
import { runSearch, type SearchOutput } from './run-search.js'
import { resolveSearchOptions, type SearchOptions } from './search-options.js'
import {
  compareNodes,
  type ExpandRequest,
  type SearchNode,
  type SearchSession,
} from './search-session.js'

/** Options of {@link stepBeamSearch}. */
export interface StepBeamSearchOptions extends SearchOptions {
  /** Active beams N, an integer >= 1 (default 16): next steps sampled per round. */
  beams?: number
  /**
   * Beam width M, an integer >= 1 (default 4): N / M beams are kept (rounded down, at least 1)
   * and the N samples of the next round are spread over them (M each when M divides N).
   */
  beamWidth?: number
  /**
   * Search-and-learn's `filter_duplicates` (default false, as there): when true, identical
   * unfinished beams take one beam slot together; when false, each sampled copy is a beam of
   * its own, so a step sampled k times for one parent (one merged node of `multiplicity` k)
   * takes up to k of the N / M slots and is continued M times per slot.
   */
  deduplicate?: boolean
}

/**
 * Step-level beam search (search-and-learn's "beam search with a PRM"). Each round, N active
 * beams each get one sampled next step (the root's N in the first round); the new steps are
 * scored (partial solutions by the process scorer). Finished solutions leave the beam: complete
 * ones go to the pool of answers, ones cut by a limit are dropped. The unfinished ones fill the
 * N / M beam slots (rounded down, at least 1) best first (higher score first, earlier created on
 * ties): a node merged from k identical samples is k beams, as in the reference, and takes up
 * to k slots (one with `deduplicate`). The next round's N samples are spread over the filled
 * slots evenly, the better ones taking the remainder (M per slot when M divides N and every
 * slot is filled), and a node is continued once per sample of its slots; so every round samples
 * N steps until no unfinished beam is left. The answer is the best complete solution.
 * Generated tokens are about N x (tokens per step) per round.
 */
export function stepBeamSearch(options: StepBeamSearchOptions): Generator<TextInput, SearchOutput> {
  const resolved = resolveSearchOptions(options)
  const beams = options.beams ?? 16
  parseOption('beams', searchOptionSchemas.beams, beams)
  const beamWidth = options.beamWidth ?? 4
  parseOption('beamWidth', searchOptionSchemas.beamWidth, beamWidth)
  const deduplicate = options.deduplicate ?? false
  if (typeof deduplicate !== 'boolean') {
    throw new InvalidArgumentError({
      argument: 'deduplicate',
      expected: 'a boolean',
      received: deduplicate,
    })
  }
  const keep = Math.max(1, Math.floor(beams / beamWidth))
  return {
    name: 'step-beam',
    run: (input, context) =>
      runSearch(input, context, resolved, async (session: SearchSession) => {
        let requests: ExpandRequest[] = [{ node: session.root, count: beams }]
        while (requests.length > 0) {
          const children = await session.expand(requests)
          for (const request of requests) session.release(request.node)
          const fresh = children.flat()
          const open = fresh.filter((node) => session.canExpand(node)).sort(compareNodes)
          const slots = fillBeamSlots(open, keep, deduplicate)
          const kept = new Set(slots)
          for (const node of fresh) if (!kept.has(node)) session.release(node)
          const counts = new Map<SearchNode, number>()
          spread(beams, slots.length).forEach((count, index) => {
            const node = slots[index] as SearchNode
            counts.set(node, (counts.get(node) ?? 0) + count)
          })
          requests = [...counts].map(([node, count]) => ({ node, count }))
        }
      }),
  }
}

/** `total` split over `parts` (>= 0) as evenly as possible, the first ones taking the remainder. */
export function spread(total: number, parts: number): number[] {
  if (parts === 0) return []
  const base = Math.floor(total / parts)
  const extra = total - base * parts
  return Array.from({ length: parts }, (_, index) => base + (index < extra ? 1 : 0))
}

/**
 * The beam slots of one round: `ranked` (unfinished nodes, best first) fill `count` slots in
 * order, each node taking as many consecutive slots as the sampled beams it stands for (its
 * `multiplicity`), or one with `deduplicate`, in which case a node whose text equals that of a
 * node already taken is skipped. Returns one entry per filled slot (fewer than `count` when the
 * nodes run out).
 */
export function fillBeamSlots(
  ranked: readonly SearchNode[],
  count: number,
  deduplicate: boolean,
): SearchNode[] {
  const slots: SearchNode[] = []
  const texts = new Set<string>()
  for (const node of ranked) {
    if (slots.length >= count) break
    if (deduplicate) {
      if (texts.has(node.state.text)) continue
      texts.add(node.state.text)
    }
    const copies = deduplicate ? 1 : node.multiplicity
    for (let copy = 0; copy < copies && slots.length < count; copy++) slots.push(node)
  }
  return slots
}
