import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Temporary folders made by one test file (see {@link createTemporaryFolders}). */
export interface TemporaryFolders {
  /** Creates a new empty folder named `<prefix><random>` in the OS temp folder; returns its path. */
  make(prefix: string): string
  /** Deletes every folder made so far, with its contents (missing ones are skipped). */
  removeAll(): void
}

/**
 * A tracker of a test file's temporary folders, so that its tests leave nothing behind in the
 * OS temp folder: call `make(prefix)` where a test needs a folder and `removeAll()` in `afterAll`.
 */
export function createTemporaryFolders(): TemporaryFolders {
  const folders: string[] = []
  return {
    make(prefix) {
      const folder = mkdtempSync(join(tmpdir(), prefix))
      folders.push(folder)
      return folder
    },
    removeAll() {
      for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true })
    },
  }
}
