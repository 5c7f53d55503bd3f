// metagen as an npm user gets it: every public package packed with `pnpm pack`, the tarballs
// installed with npm into a fresh project, and two programs run there (self-consistency on the
// embedded model, best-of-N over a remote model on a fake OpenAI server) and exit by themselves.
//
// What it needs: the workspace built (`pnpm build`) and installed (`pnpm install`), npm, and no
// network. npm's registry is replaced by a local one on 127.0.0.1 (./src/npm-mirror.ts) that
// serves the third-party dependencies (openai, onnxruntime-node, ...) packed from the copies pnpm
// installed in the workspace; npm runs with a fresh empty cache and user config, so nothing comes
// from the public registry or a cache on this machine. onnxruntime-node's install script runs,
// with ONNXRUNTIME_NODE_INSTALL=skip as the READMEs tell npm users (it would download CUDA
// libraries).
import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collectInstalledDependencies, type NpmMirror, startNpmMirror } from '../src/npm-mirror.js'
import { listPublicPackages, type PackedPackage, packPackages } from '../src/workspace-packages.js'

const execFileAsync = promisify(execFile)
const programs = join(import.meta.dirname, 'npm-programs')

/** The environment without pnpm's and npm's inherited settings (npm_config_*). */
function cleanEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(npm_|pnpm_|PNPM_)/i.test(name)) environment[name] = value
  }
  return { ...environment, ...extra }
}

describe('the packed tarballs in a fresh npm project', () => {
  let folder: string
  let project: string
  let mirror: NpmMirror
  let packed: PackedPackage[]
  let installOutput: string

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'metagen-npm-install-'))
    project = join(folder, 'project')
    await mkdir(join(folder, 'tarballs'))
    await mkdir(join(folder, 'mirror'))
    await mkdir(project)
    const packages = await listPublicPackages()
    packed = await packPackages(packages, join(folder, 'tarballs'))
    const dependencies = await collectInstalledDependencies(packages.map((entry) => entry.path))
    mirror = await startNpmMirror(dependencies, join(folder, 'mirror'))
    await writeFile(
      join(project, 'package.json'),
      `${JSON.stringify({ name: 'npm-user', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
    )
    await writeFile(join(folder, 'npmrc'), '')
    const { stdout, stderr } = await execFileAsync(
      'npm',
      [
        'install',
        ...packed.map((entry) => entry.tarball),
        '--registry',
        mirror.url,
        '--cache',
        join(folder, 'npm-cache'),
        '--userconfig',
        join(folder, 'npmrc'),
        '--no-audit',
        '--no-fund',
        '--no-update-notifier',
        '--loglevel',
        'warn',
      ],
      {
        cwd: project,
        env: cleanEnvironment({ ONNXRUNTIME_NODE_INSTALL: 'skip' }),
        maxBuffer: 64 * 1024 * 1024,
      },
    )
    installOutput = `${stdout}\n${stderr}`
    // The programs live in the project, so that their imports resolve from its node_modules.
    for (const program of ['self-consistency.mjs', 'best-of-n-remote.mjs']) {
      await copyFile(join(programs, program), join(project, program))
    }
  }, 600_000)

  afterAll(async () => {
    await mirror?.close()
    if (folder) await rm(folder, { recursive: true, force: true })
  })

  it('installs every package from its tarball, the dependencies from the local mirror only', async () => {
    const manifest = JSON.parse(await readFile(join(project, 'package.json'), 'utf8'))
    for (const entry of packed) {
      expect(manifest.dependencies[entry.name], entry.name).toMatch(/^file:.*\.tgz$/)
      const installed = JSON.parse(
        await readFile(join(project, 'node_modules', entry.name, 'package.json'), 'utf8'),
      )
      expect(installed.version).toBe(entry.version)
      // pnpm pack replaced workspace:^ by a caret range that npm resolved to the tarballs.
      for (const range of Object.values<string>(installed.dependencies ?? {})) {
        expect(range).not.toMatch(/^workspace:/)
      }
    }
    expect(mirror.requests).toContain('/openai')
    expect(mirror.requests).toContain('/onnxruntime-node')
    expect(installOutput).not.toMatch(/ERR!/)
  })

  it('runs self-consistency on the embedded model and exits', async () => {
    const { stdout } = await execFileAsync(
      process.execPath,
      [join(project, 'self-consistency.mjs')],
      { cwd: project, env: cleanEnvironment(), timeout: 300_000 },
    )
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '')
    expect(result.calls).toBe(1)
    expect(result.outputTokens).toBeGreaterThan(8)
    expect(result.votes).toBeGreaterThanOrEqual(1)
    expect(typeof result.answer).toBe('string')
  })

  it('runs best-of-N over a remote model on a fake OpenAI server and exits', async () => {
    const { stdout } = await execFileAsync(
      process.execPath,
      [join(project, 'best-of-n-remote.mjs')],
      { cwd: project, env: cleanEnvironment(), timeout: 120_000 },
    )
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '')
    expect(result.answer).toBe('91')
    expect(result.text).toContain('23+68=91')
  })

  it('runs the metagen bin of @metagen/cli', async () => {
    const { stdout } = await execFileAsync(
      join(project, 'node_modules', '.bin', 'metagen'),
      ['--help'],
      {
        cwd: project,
        env: cleanEnvironment(),
        timeout: 60_000,
      },
    )
    expect(stdout).toContain('solve')
  })
})
