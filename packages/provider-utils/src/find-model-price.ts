// Price-table lookup shared by the remote backends: exact model ids and their dated snapshots.

/**
 * The entry of `modelId` in `table`: an exact match, else the entry of the longest id of which
 * `modelId` is a dated snapshot, i.e. `modelId` = id + a suffix matching `snapshotSuffix`
 * (e.g. `gpt-4o-2024-08-06` -> `gpt-4o`). Undefined when unknown.
 */
export function findModelPrice<TPrice>(
  modelId: string,
  table: Readonly<Record<string, TPrice>>,
  snapshotSuffix: RegExp,
): TPrice | undefined {
  const exact = table[modelId]
  if (exact !== undefined) return exact
  let best: string | undefined
  for (const id of Object.keys(table)) {
    if (modelId.startsWith(id) && snapshotSuffix.test(modelId.slice(id.length))) {
      if (best === undefined || id.length > best.length) best = id
    }
  }
  return best === undefined ? undefined : table[best]
}
