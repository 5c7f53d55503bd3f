// `pnpm check:packages [name...]`: packs every public package (or those named) and checks the tarballs as the registry and
// npm users would see them. publint (package.json against the packed files, strict: warnings
// fail), arethetypeswrong with the esm-only profile (types resolve for ESM importers under
// node16 and bundler resolution), and metagen's own publishing rules. Runs offline: both tools
// read only the local tarball.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { getExitCode } from '@arethetypeswrong/cli/internal/getExitCode'
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { checkPublishRules } from './publish-rules.js'
import { listPublicPackages, packPackages } from './workspace-packages.js'

const execFileAsync = promisify(execFile)

async function main(names: readonly string[]): Promise<number> {
  const packages = (await listPublicPackages()).filter(
    (entry) => names.length === 0 || names.includes(entry.name),
  )
  if (packages.length === 0)
    throw new Error(`check-packages: no public package named ${names.join(', ')}`)
  const folder = await mkdtemp(join(tmpdir(), 'metagen-check-packages-'))
  const attw = join(
    dirname(createRequire(import.meta.url).resolve('@arethetypeswrong/cli/package.json')),
    'dist',
    'index.js',
  )
  let failures = 0
  try {
    const packed = await packPackages(packages, folder)
    for (const entry of packed) {
      const problems: string[] = []
      const manifest = JSON.parse(await readFile(join(entry.path, 'package.json'), 'utf8'))
      problems.push(...checkPublishRules(manifest, entry.files))
      const tarball = await readFile(entry.tarball)
      const lint = await publint({
        pack: { tarball: new Uint8Array(tarball).buffer },
        strict: true,
      })
      for (const message of lint.messages) {
        problems.push(
          `publint ${message.type}: ${formatMessage(message, lint.pkg) ?? message.code}`,
        )
      }
      // The esm-only profile of the attw CLI: CommonJS consumers (node10, node16 from CJS) are
      // out of scope for an ESM-only package. One in-process check per tarball; the CLI's table
      // is printed only for a package that fails.
      const analysis = await checkPackage(createPackageFromTarballData(new Uint8Array(tarball)))
      if (!analysis.types) {
        problems.push('arethetypeswrong: the package ships no types')
      } else if (getExitCode(analysis, { ignoreResolutions: ['node10', 'node16-cjs'] }) !== 0) {
        const output = await execFileAsync(
          process.execPath,
          [attw, entry.tarball, '--profile', 'esm-only', '--format', 'ascii', '--no-color'],
          { maxBuffer: 16 * 1024 * 1024 },
        ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }))
        problems.push(`arethetypeswrong (--profile esm-only):\n${output.stdout.trim()}`)
      }
      if (problems.length === 0) {
        console.log(`ok    ${entry.name}  (${entry.files.length} files)`)
      } else {
        failures += 1
        console.log(`FAIL  ${entry.name}`)
        for (const problem of problems) console.log(`      ${problem.replaceAll('\n', '\n      ')}`)
      }
    }
  } finally {
    await rm(folder, { recursive: true, force: true })
  }
  console.log(
    `${packages.length - failures} of ${packages.length} packages pass publint, arethetypeswrong --profile esm-only and the publishing rules`,
  )
  return failures === 0 ? 0 : 1
}

process.exitCode = await main(process.argv.slice(2))
