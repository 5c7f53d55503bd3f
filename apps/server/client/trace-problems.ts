// Splitting an eval trace (`metagen eval --trace-out`: one `problem <id>` note per problem, its
// events' ids prefixed with `<id>/`) into one event list per problem. Pure.
import type { TraceEventLike } from './trace-model.js'

/** The problems of an eval trace: each root `problem <id>` note with its events (ids unprefixed). */
export function splitProblems(
  events: readonly TraceEventLike[],
): Array<{ id: string; label: string; events: TraceEventLike[] }> {
  const problems = events.filter(
    (event) =>
      event.kind === 'note' && event.parentId === undefined && event.name.startsWith('problem '),
  )
  return problems.map((problem) => {
    const prefix = `${problem.id}/`
    const own = events
      .filter((event) => event.id.startsWith(prefix))
      .map((event) => {
        const { parentId, ...rest } = event
        const parent = parentId?.startsWith(prefix) ? parentId.slice(prefix.length) : undefined
        return {
          ...rest,
          id: event.id.slice(prefix.length),
          ...(parent !== undefined ? { parentId: parent } : {}),
        }
      })
    const data = problem.data ?? {}
    const verdict = data.correct === true ? ' (correct)' : data.correct === false ? ' (wrong)' : ''
    return { id: problem.id, label: `${problem.name}${verdict}`, events: own }
  })
}
