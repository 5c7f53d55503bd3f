// The workspace's publishable packages (those not marked private) and packing them into
// tarballs exactly as `pnpm publish` would upload them (workspace: ranges replaced by versions).
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

/** A workspace package as `pnpm ls` reports it. */
export interface WorkspacePackage {
  /** The package name, e.g. `@metagen/core`. */
  name: string
  /** Its version. */
  version: string
  /** Absolute path of its folder. */
  path: string
  /** Whether its package.json says `"private": true`. */
  private: boolean
}

/** A packed tarball of a workspace package. */
export interface PackedPackage {
  name: string
  version: string
  /** Absolute path of the package's folder in the workspace. */
  path: string
  /** Absolute path of the `.tgz` file. */
  tarball: string
  /** Paths of the files inside the tarball, relative to the package root. */
  files: string[]
}

/** The monorepo root (the folder holding pnpm-workspace.yaml) above `start`. */
export function findWorkspaceRoot(start: string = dirname(fileURLToPath(import.meta.url))): string {
  let folder = start
  while (!existsSync(join(folder, 'pnpm-workspace.yaml'))) {
    const parent = dirname(folder)
    if (parent === folder) {
      throw new Error(`findWorkspaceRoot: no pnpm-workspace.yaml above ${start}`)
    }
    folder = parent
  }
  return folder
}

/** Every package of the workspace but its root, public and private, in `pnpm ls` order. */
export async function listWorkspacePackages(
  root: string = findWorkspaceRoot(),
): Promise<WorkspacePackage[]> {
  const { stdout } = await execFileAsync('pnpm', ['-r', 'ls', '--json', '--depth', '-1'], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
  })
  const listed = JSON.parse(stdout) as Array<Partial<WorkspacePackage>>
  return listed
    .filter((entry) => entry.path !== root)
    .map((entry) => ({
      name: String(entry.name),
      version: String(entry.version),
      path: String(entry.path),
      private: entry.private === true,
    }))
}

/** The packages that are published to the npm registry (not private). */
export async function listPublicPackages(
  root: string = findWorkspaceRoot(),
): Promise<WorkspacePackage[]> {
  return (await listWorkspacePackages(root)).filter((entry) => !entry.private)
}

/**
 * Packs each package with `pnpm pack` into `destination` (the packages must be built) and returns
 * the tarballs in the order given. Packs two at a time.
 */
export async function packPackages(
  packages: readonly WorkspacePackage[],
  destination: string,
): Promise<PackedPackage[]> {
  const packed: PackedPackage[] = new Array(packages.length)
  let next = 0
  const worker = async () => {
    while (next < packages.length) {
      const index = next++
      const entry = packages[index] as WorkspacePackage
      const { stdout } = await execFileAsync(
        'pnpm',
        ['pack', '--json', '--pack-destination', destination],
        { cwd: entry.path, maxBuffer: 16 * 1024 * 1024 },
      )
      const result = JSON.parse(stdout) as { filename: string; files: Array<{ path: string }> }
      packed[index] = {
        name: entry.name,
        version: entry.version,
        path: entry.path,
        tarball: result.filename,
        files: result.files.map((file) => file.path),
      }
    }
  }
  await Promise.all([worker(), worker()])
  return packed
}
