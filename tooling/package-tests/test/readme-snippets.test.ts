// Every ```ts block of every README type-checks (strict, noUncheckedIndexedAccess) against the
// built packages, as a file of its own in a project that depends on them; the runnable ones
// (embedded models or fakes, see isRunnableSnippet) are compiled and run, and must exit 0 by
// themselves within the timeout (a snippet that forgets to close a model fails here).
import { execFile } from 'node:child_process'
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import ts from 'typescript'
import { beforeAll, describe, expect, it } from 'vitest'
import { extractSnippets, isRunnableSnippet, type Snippet } from '../src/readme-snippets.js'
import { findWorkspaceRoot, listWorkspacePackages } from '../src/workspace-packages.js'

const execFileAsync = promisify(execFile)
const root = findWorkspaceRoot()
// Inside this package's node_modules, so that imports resolve to the workspace packages it
// depends on (their built dist) and the nearest package.json says "type": "module".
const folder = join(import.meta.dirname, '..', 'node_modules', '.readme-snippets')

const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  types: ['node'],
  strict: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  skipLibCheck: true,
  outDir: join(folder, 'js'),
  rootDir: folder,
}

/** Every README.md under `folder` (its own and those of sub-folders), outside dependencies and builds. */
async function findReadmes(folder: string): Promise<string[]> {
  const found: string[] = []
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (
        !['node_modules', 'dist', 'fixtures'].includes(entry.name) &&
        !entry.name.startsWith('.')
      ) {
        found.push(...(await findReadmes(join(folder, entry.name))))
      }
    } else if (entry.name === 'README.md') {
      found.push(join(folder, entry.name))
    }
  }
  return found
}

interface CheckedSnippet {
  snippet: Snippet
  file: string
  errors: string[]
}

const readmes = [join(root, 'README.md')]
const checked: CheckedSnippet[] = []

beforeAll(async () => {
  for (const entry of await listWorkspacePackages(root))
    readmes.push(...(await findReadmes(entry.path)))
  await rm(folder, { recursive: true, force: true })
  await mkdir(folder, { recursive: true })
  for (const readme of readmes) {
    const markdown = await readFile(readme, 'utf8').catch(() => undefined)
    if (markdown === undefined) continue
    const name = relative(root, readme)
    extractSnippets(markdown, name).forEach((snippet, index) => {
      const file = join(folder, `${name.replaceAll('/', '_').replace(/\.md$/, '')}_${index + 1}.ts`)
      checked.push({ snippet, file, errors: [] })
    })
  }
  for (const entry of checked) await writeFile(entry.file, `${entry.snippet.code}\n`)
  const program = ts.createProgram(
    checked.map((entry) => entry.file),
    compilerOptions,
  )
  const byFile = new Map(checked.map((entry) => [entry.file, entry]))
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
    const entry = diagnostic.file ? byFile.get(diagnostic.file.fileName) : undefined
    if (!entry || diagnostic.start === undefined || !diagnostic.file) {
      throw new Error(`README snippets: ${message}`)
    }
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
    entry.errors.push(
      `${entry.snippet.readme}:${entry.snippet.line + line}: TS${diagnostic.code} ${message}`,
    )
  }
  program.emit()
}, 300_000)

describe('README code blocks', () => {
  it('finds the blocks of every README', () => {
    expect(checked.length).toBeGreaterThan(10)
    expect(checked.some((entry) => entry.snippet.readme === 'README.md')).toBe(true)
  })

  it('type-check, strict with noUncheckedIndexedAccess, against the built packages', () => {
    const errors = checked.flatMap((entry) => entry.errors)
    expect(errors.join('\n')).toBe('')
  })

  it('that need nothing from outside run and exit 0 by themselves', async () => {
    const runnable = checked.filter((entry) => isRunnableSnippet(entry.snippet))
    expect(runnable.length).toBeGreaterThan(0)
    console.log(
      `running ${runnable.map((entry) => `${entry.snippet.readme}:${entry.snippet.line}`).join(', ')}`,
    )
    const failures: string[] = []
    for (const entry of runnable) {
      const script = join(folder, 'js', relative(folder, entry.file).replace(/\.ts$/, '.js'))
      try {
        await execFileAsync(process.execPath, [script], { cwd: folder, timeout: 90_000 })
      } catch (error) {
        const { stderr, killed, code } = error as {
          stderr?: string
          killed?: boolean
          code?: unknown
        }
        failures.push(
          `${entry.snippet.readme}:${entry.snippet.line}: ${killed ? 'did not exit within 90 s' : `exit ${String(code)}`}\n${(stderr ?? '').trim().split('\n').slice(0, 8).join('\n')}`,
        )
      }
    }
    expect(failures.join('\n\n')).toBe('')
  }, 1_200_000)
})
