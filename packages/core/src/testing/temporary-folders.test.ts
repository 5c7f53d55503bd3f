import { existsSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createTemporaryFolders } from './temporary-folders.js'

describe('createTemporaryFolders', () => {
  it('makes distinct folders in the OS temp folder and removes them with their contents', () => {
    const temporary = createTemporaryFolders()
    const first = temporary.make('metagen-temporary-test-')
    const second = temporary.make('metagen-temporary-test-')
    expect(first).not.toBe(second)
    expect(dirname(first)).toBe(tmpdir())
    expect(basename(first).startsWith('metagen-temporary-test-')).toBe(true)
    writeFileSync(join(first, 'file.txt'), 'content')
    temporary.removeAll()
    expect(existsSync(first)).toBe(false)
    expect(existsSync(second)).toBe(false)
    // Nothing left to remove: a second call is a no-op.
    temporary.removeAll()
  })
})
