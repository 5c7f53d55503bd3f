// `compact(object)`: the object without its undefined-valued keys, typed so that the result
// fits optional properties under `exactOptionalPropertyTypes` (which rejects `{ x: undefined }`
// for `x?: T`). Replaces the `...(x !== undefined ? { x } : {})` spreads.

/**
 * The type of `compact(object)`: keys whose type includes `undefined` become optional and lose
 * `undefined`; the other keys stay as they are.
 */
export type Compact<TObject extends object> = {
  [Key in keyof TObject as undefined extends TObject[Key] ? never : Key]: TObject[Key]
} & {
  [Key in keyof TObject as undefined extends TObject[Key] ? Key : never]?: Exclude<
    TObject[Key],
    undefined
  >
} extends infer TResult
  ? { [Key in keyof TResult]: TResult[Key] }
  : never

/**
 * A shallow copy of `object` without the own enumerable keys whose value is `undefined` (null,
 * 0, '' and false are kept). `{ model, ...compact({ seed, signal }) }` sets `seed` and `signal`
 * only where they are defined.
 */
export function compact<TObject extends object>(object: TObject): Compact<TObject> {
  const result: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(object)) {
    if (value !== undefined) result[key] = value
  }
  return result as Compact<TObject>
}
