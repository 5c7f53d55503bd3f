// A local npm registry on 127.0.0.1 that serves the third-party packages metagen depends on,
// packed from the copies pnpm already installed in the workspace. It lets a test run a real
// `npm install` of metagen's tarballs into a fresh project with no other network access: npm
// resolves openai, onnxruntime-node and the rest by name and version, as from the public
// registry, and downloads nothing from outside this machine.
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile, realpath } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { writePackageTarball } from './write-tarball.js'

/** An installed third-party package found on disk. */
export interface InstalledPackage {
  name: string
  version: string
  /** Real path of its folder. */
  folder: string
}

interface Manifest {
  name: string
  version: string
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
  [field: string]: unknown
}

/**
 * Every package outside `@metagen/*` that the packages in `folders` need at run time:
 * dependencies, optional dependencies that are installed, and non-optional peer dependencies,
 * transitively, resolved from each folder as Node resolves them (pnpm's layout included).
 * Throws naming the package and the dependent when a required dependency is not installed.
 */
export async function collectInstalledDependencies(
  folders: readonly string[],
): Promise<InstalledPackage[]> {
  const found = new Map<string, InstalledPackage>()
  const visited = new Set<string>()
  const visit = async (folder: string, includeSelf: boolean) => {
    const real = await realpath(folder)
    if (visited.has(real)) return
    visited.add(real)
    const manifest = JSON.parse(await readFile(join(real, 'package.json'), 'utf8')) as Manifest
    if (includeSelf) {
      found.set(`${manifest.name}@${manifest.version}`, {
        name: manifest.name,
        version: manifest.version,
        folder: real,
      })
    }
    const wanted: Array<[string, boolean]> = [
      ...Object.keys(manifest.dependencies ?? {}).map((name): [string, boolean] => [name, false]),
      ...Object.keys(manifest.optionalDependencies ?? {}).map((name): [string, boolean] => [
        name,
        true,
      ]),
      ...Object.keys(manifest.peerDependencies ?? {})
        .filter((name) => manifest.peerDependenciesMeta?.[name]?.optional !== true)
        .map((name): [string, boolean] => [name, false]),
    ]
    for (const [name, optional] of wanted) {
      if (name.startsWith('@metagen/')) continue
      const location = resolvePackageFolder(real, name)
      if (location === undefined) {
        if (optional) continue
        throw new Error(
          `collectInstalledDependencies: ${manifest.name} needs ${name}, which is not installed under ${real}`,
        )
      }
      await visit(location, true)
    }
  }
  for (const folder of folders) await visit(folder, false)
  return [...found.values()].sort((left, right) =>
    `${left.name}@${left.version}` < `${right.name}@${right.version}` ? -1 : 1,
  )
}

function resolvePackageFolder(from: string, name: string): string | undefined {
  let folder = from
  for (;;) {
    const candidate = join(folder, 'node_modules', name)
    if (existsSync(join(candidate, 'package.json'))) return candidate
    const parent = dirname(folder)
    if (parent === folder) return undefined
    folder = parent
  }
}

/** A running local registry. */
export interface NpmMirror {
  /** Registry URL for npm's `--registry`, e.g. `http://127.0.0.1:41234/`. */
  url: string
  /** Every request path npm asked for, in order (to show what was resolved through it). */
  requests: string[]
  /** Stops the server. */
  close(): Promise<void>
}

/**
 * Packs `packages` into tarballs in `folder` and serves them as an npm registry on 127.0.0.1:
 * `GET /<name>` answers the packument (every version packed, `latest` the highest packed),
 * `GET /-/<file>.tgz` the tarball. Anything else is a 404.
 */
export async function startNpmMirror(
  packages: readonly InstalledPackage[],
  folder: string,
): Promise<NpmMirror> {
  const tarballs = new Map<string, string>()
  const versionsByName = new Map<
    string,
    Array<{ manifest: Manifest; file: string; integrity: string; shasum: string }>
  >()
  for (const entry of packages) {
    const file = `${entry.name.replace('@', '').replace('/', '-')}-${entry.version}.tgz`
    const path = join(folder, file)
    await writePackageTarball(entry.folder, path)
    const bytes = await readFile(path)
    tarballs.set(file, path)
    const manifest = JSON.parse(
      await readFile(join(entry.folder, 'package.json'), 'utf8'),
    ) as Manifest
    const list = versionsByName.get(entry.name) ?? []
    list.push({
      manifest,
      file,
      integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
      shasum: createHash('sha1').update(bytes).digest('hex'),
    })
    versionsByName.set(entry.name, list)
  }
  const requests: string[] = []
  let base = ''
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent((request.url ?? '/').split('?')[0] ?? '/')
    requests.push(path)
    const tarballMatch = /^\/-\/([^/]+\.tgz)$/.exec(path)
    if (tarballMatch) {
      const file = tarballs.get(tarballMatch[1] ?? '')
      if (file === undefined) return notFound(response)
      void readFile(file).then((bytes) => {
        response.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-length': bytes.length,
        })
        response.end(bytes)
      })
      return
    }
    const versions = versionsByName.get(path.slice(1))
    if (versions === undefined) return notFound(response)
    const packument = {
      name: path.slice(1),
      'dist-tags': {
        latest: versions
          .map((version) => version.manifest.version)
          .sort(compareVersions)
          .at(-1),
      },
      versions: Object.fromEntries(
        versions.map(({ manifest, file, integrity, shasum }) => [
          manifest.version,
          { ...manifest, dist: { tarball: `${base}-/${file}`, integrity, shasum } },
        ]),
      ),
    }
    const body = JSON.stringify(packument)
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  return {
    url: base,
    requests,
    close: () =>
      new Promise((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      ),
  }
}

function notFound(response: import('node:http').ServerResponse): void {
  response.writeHead(404, { 'content-type': 'application/json' })
  response.end('{"error":"not found"}')
}

function compareVersions(left: string, right: string): number {
  const parse = (version: string) =>
    version.split(/[.+-]/).map((part) => Number.parseInt(part, 10) || 0)
  const a = parse(left)
  const b = parse(right)
  for (let index = 0; index < Math.max(a.length, b.length); index += 1) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0)
    if (difference !== 0) return difference
  }
  return 0
}
