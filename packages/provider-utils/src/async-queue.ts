// A small push-based async iterable, used to turn streaming callbacks into an async generator.

/** A queue that producers push into and one consumer iterates with `for await`. */
export interface AsyncQueue<T> extends AsyncIterable<T> {
  /** Adds an item (ignored after `end` or `fail`). */
  push(item: T): void
  /** Ends the iteration after the queued items. */
  end(): void
  /** Ends the iteration with `error` after the queued items. */
  fail(error: unknown): void
}

/** Creates an {@link AsyncQueue}. */
export function createAsyncQueue<T>(): AsyncQueue<T> {
  const items: T[] = []
  let finished = false
  let failure: { error: unknown } | undefined
  let wake: (() => void) | undefined
  const notify = () => {
    const resolve = wake
    wake = undefined
    resolve?.()
  }
  return {
    push(item) {
      if (finished) return
      items.push(item)
      notify()
    },
    end() {
      finished = true
      notify()
    },
    fail(error) {
      if (finished) return
      failure = { error }
      finished = true
      notify()
    },
    async *[Symbol.asyncIterator]() {
      while (true) {
        const item = items.shift()
        if (item !== undefined) {
          yield item
          continue
        }
        if (finished) {
          if (failure) throw failure.error
          return
        }
        await new Promise<void>((resolve) => {
          wake = resolve
        })
      }
    },
  }
}
