// Step-level beam search with a process scorer, as search-and-learn defines it (Beeching et al.,
// "Scaling test-time compute with open models"; survey section 4): N active beams each sample
// one next step, the N/M best unfinished ones are kept and each continued M times, and finished
// solutions leave the beam so that N beams stay active.
import { type Generator, parseOption, type TextInput } from '@metagen/core'
import { searchOptionSchemas } from './option-schemas.js'
import { runSearch, type SearchOutput } from './run-search.js'
import { resolveSearchOptions, type SearchOptions } from './search-options.js'
import { compareNodes, type ExpandRequest, type SearchSession } from './search-session.js'
import { selectTop } from './select-top.js'

/** Options of {@link stepBeamSearch}. */
export interface StepBeamSearchOptions extends SearchOptions {
  /** Active beams N, an integer >= 1 (default 16): next steps sampled per round. */
  beams?: number
  /**
   * Beam width M, an integer >= 1 (default 4): N / M beams are kept (rounded down, at least 1)
   * and the N samples of the next round are spread over them (M each when M divides N).
   */
  beamWidth?: number
  /** Keep at most one of several unfinished beams with identical text (default true; search-and-learn's `filter_duplicates`). */
  deduplicate?: boolean
}

/**
 * Step-level beam search (search-and-learn's "beam search with a PRM"). Each round, N active
 * beams each get one sampled next step (the root's N in the first round); the new steps are
 * scored (partial solutions by the process scorer). Finished solutions leave the beam: complete
 * ones go to the pool of answers, ones cut by a limit are dropped. Of the unfinished ones the
 * N / M best (rounded down, at least 1; higher score first, earlier created on ties, identical
 * texts once) are kept, and the next round's N samples are spread over them evenly, the better
 * ones taking the remainder (M each when M divides N and enough beams remain), so every round
 * samples N steps until no unfinished beam is left. The answer is the best complete solution.
 * Generated tokens are about N x (tokens per step) per round.
 */
export function stepBeamSearch(options: StepBeamSearchOptions): Generator<TextInput, SearchOutput> {
  const resolved = resolveSearchOptions(options)
  const beams = options.beams ?? 16
  parseOption('beams', searchOptionSchemas.beams, beams)
  const beamWidth = options.beamWidth ?? 4
  parseOption('beamWidth', searchOptionSchemas.beamWidth, beamWidth)
  const deduplicate = options.deduplicate ?? true
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
          const kept = selectTop(open, keep, deduplicate)
          const keptSet = new Set(kept)
          for (const node of fresh) if (!keptSet.has(node)) session.release(node)
          requests = spread(beams, kept.length).map((count, index) => ({
            node: kept[index] as ExpandRequest['node'],
            count,
          }))
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
