// Finds a Chromium for the browser tests the way a user has one: a system Chromium or Chrome if
// one is installed, else the headless Chromium that ships inside the @sparticuz/chromium npm
// package (a brotli-compressed build with the few shared libraries it needs), unpacked once into
// a cache folder. Never gives up silently: if neither is usable it throws, naming what it tried.
import { execFile } from 'node:child_process'
import { createReadStream, createWriteStream, existsSync } from 'node:fs'
import { access, chmod, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { promisify } from 'node:util'
import { createBrotliDecompress } from 'node:zlib'

/** Where a found browser comes from: installed on the system, or unpacked from an npm package. */
export type BrowserSource = 'system' | 'package'

/** A browser executable and what it needs to run. */
export interface FoundBrowser {
  /** Absolute path of the Chromium/Chrome executable. */
  executablePath: string
  /** `system`: an installed browser; `package`: unpacked from @sparticuz/chromium. */
  source: BrowserSource
  /**
   * Environment variables the executable needs on top of the current environment (for the
   * packaged build: `LD_LIBRARY_PATH` pointing at its bundled NSS/NSPR/expat libraries, and
   * `FONTCONFIG_PATH` at its bundled fonts). Empty for a system browser.
   */
  env: Record<string, string>
}

/** Options of {@link findBrowser}. */
export interface FindBrowserOptions {
  /**
   * System executables to try, in order. Defaults to the paths listed in the environment
   * variable `METAGEN_SYSTEM_CHROMIUM` (separated by `:`), or when it is unset to the usual
   * install locations of Chromium and Chrome on Linux and macOS. Pointing it at a path that
   * does not exist makes the finder use the packaged browser.
   */
  systemPaths?: readonly string[]
  /**
   * Folder the packaged browser is unpacked into (once; later calls reuse it). Defaults to
   * `<os tmpdir>/metagen-chromium-<package version>`.
   */
  cacheDirectory?: string
}

/** The usual install locations of Chromium and Chrome, tried in order. */
export const defaultSystemBrowserPaths: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
]

const execFileAsync = promisify(execFile)

/**
 * Finds a Chromium for tests: the first of `systemPaths` that exists and is executable, else the
 * build inside `@sparticuz/chromium` (Linux x64 only), unpacked into `cacheDirectory` on first use.
 * Throws an error naming every path tried when there is no system browser and the packaged build
 * cannot be used on this platform.
 */
export async function findBrowser(options: FindBrowserOptions = {}): Promise<FoundBrowser> {
  const systemPaths = options.systemPaths ?? systemPathsFromEnvironment()
  for (const path of systemPaths) {
    if (await isExecutable(path)) return { executablePath: path, source: 'system', env: {} }
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `findBrowser: no Chromium or Chrome found at ${systemPaths.join(', ') || '(no system paths)'}, and the packaged @sparticuz/chromium build runs on Linux x64 only (this is ${process.platform} ${process.arch}); install Chromium or Chrome, or set METAGEN_SYSTEM_CHROMIUM to its executable`,
    )
  }
  return unpackPackagedBrowser(options.cacheDirectory)
}

function systemPathsFromEnvironment(): readonly string[] {
  const fromEnvironment = process.env.METAGEN_SYSTEM_CHROMIUM
  if (fromEnvironment === undefined) return defaultSystemBrowserPaths
  return fromEnvironment.split(':').filter((path) => path !== '')
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, 1 /* X_OK */)
    return true
  } catch {
    return false
  }
}

async function unpackPackagedBrowser(cacheDirectory: string | undefined): Promise<FoundBrowser> {
  const require = createRequire(import.meta.url)
  const entry = require.resolve('@sparticuz/chromium')
  // build/cjs/index.cjs -> the package root, whose bin/ holds the compressed files.
  const packageRoot = dirname(dirname(dirname(entry)))
  const { version } = require(join(packageRoot, 'package.json')) as { version: string }
  const binDirectory = join(packageRoot, 'bin')
  const target = cacheDirectory ?? join(tmpdir(), `metagen-chromium-${version}`)
  const executablePath = join(target, 'chromium')
  if (!existsSync(executablePath)) {
    // Unpack into a fresh folder and rename it into place, so that concurrent test workers
    // never see a half-written browser; whoever renames second uses the first one's copy.
    await mkdir(dirname(target), { recursive: true })
    const staging = await mkdtemp(`${target}.staging-`)
    try {
      await decompress(join(binDirectory, 'chromium.br'), join(staging, 'chromium'))
      await chmod(join(staging, 'chromium'), 0o755)
      for (const archive of ['al2023', 'swiftshader', 'fonts']) {
        const folder = join(staging, archive)
        await mkdir(folder)
        await decompress(join(binDirectory, `${archive}.tar.br`), join(staging, `${archive}.tar`))
        await execFileAsync('tar', ['-xf', join(staging, `${archive}.tar`), '-C', folder])
        await rm(join(staging, `${archive}.tar`))
      }
      // The package's fonts.conf names the folders of AWS Lambda (/tmp/fonts, /opt/fonts): point
      // fontconfig at the bundled Open Sans where it was unpacked, and at the system's fonts.
      await writeFile(
        join(staging, 'fonts', 'fonts.conf'),
        [
          '<?xml version="1.0"?>',
          '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
          '<fontconfig>',
          `  <dir>${join(target, 'fonts', 'fonts')}</dir>`,
          '  <dir>/usr/share/fonts</dir>',
          `  <cachedir>${join(target, 'fonts-cache')}</cachedir>`,
          '</fontconfig>',
          '',
        ].join('\n'),
      )
      await rename(staging, target).catch((error: NodeJS.ErrnoException) => {
        if (!existsSync(executablePath)) throw error
      })
    } finally {
      await rm(staging, { recursive: true, force: true })
    }
  }
  return {
    executablePath,
    source: 'package',
    env: {
      // libnss3, libnspr4, libexpat: the only shared libraries the build needs beyond glibc and
      // libgcc_s (which Node itself needs); a fresh Debian has none of them.
      LD_LIBRARY_PATH: [join(target, 'al2023', 'lib'), join(target, 'swiftshader')]
        .concat(process.env.LD_LIBRARY_PATH ? [process.env.LD_LIBRARY_PATH] : [])
        .join(':'),
      FONTCONFIG_PATH: join(target, 'fonts'),
    },
  }
}

async function decompress(source: string, destination: string): Promise<void> {
  await pipeline(createReadStream(source), createBrotliDecompress(), createWriteStream(destination))
}
