// Writes an npm package tarball (gzip'd ustar, every entry under `package/`) from an installed
// package folder, so that packages already on disk can be served to npm without the network.
import { createWriteStream } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { constants, createGzip } from 'node:zlib'

/**
 * Packs every regular file under `folder` (following no symlinks, skipping nested `node_modules`)
 * into the gzip'd tar `destination`, as `package/<relative path>` with the file's mode.
 * Throws when a path does not fit a ustar header (255 bytes split at a `/`).
 */
export async function writePackageTarball(folder: string, destination: string): Promise<void> {
  const files = await listFiles(folder)
  async function* entries(): AsyncGenerator<Buffer> {
    for (const file of files) {
      const info = await stat(file)
      const content = await readFile(file)
      yield createHeader(
        `package/${relative(folder, file).split('\\').join('/')}`,
        info.mode,
        content.length,
      )
      yield content
      const padding = (512 - (content.length % 512)) % 512
      if (padding > 0) yield Buffer.alloc(padding)
    }
    yield Buffer.alloc(1024)
  }
  await pipeline(
    Readable.from(entries()),
    createGzip({ level: constants.Z_BEST_SPEED }),
    createWriteStream(destination),
  )
}

async function listFiles(folder: string): Promise<string[]> {
  const found: string[] = []
  const entries = await readdir(folder, { withFileTypes: true })
  entries.sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0))
  for (const entry of entries) {
    const path = join(folder, entry.name)
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') found.push(...(await listFiles(path)))
    } else if (entry.isFile()) {
      found.push(path)
    }
  }
  return found
}

function createHeader(path: string, mode: number, size: number): Buffer {
  const header = Buffer.alloc(512)
  let name = path
  let prefix = ''
  if (Buffer.byteLength(name) > 100) {
    const cut = path.lastIndexOf('/', 155)
    prefix = path.slice(0, cut)
    name = path.slice(cut + 1)
    if (cut <= 0 || Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155) {
      throw new Error(`writePackageTarball: the path ${path} does not fit a ustar header`)
    }
  }
  header.write(name, 0, 100, 'utf8')
  header.write(`${(mode & 0o777).toString(8).padStart(7, '0')}\0`, 100, 8, 'ascii')
  header.write('0000000\0', 108, 8, 'ascii') // uid
  header.write('0000000\0', 116, 8, 'ascii') // gid
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 12, 'ascii')
  header.write('00000000000\0', 136, 12, 'ascii') // mtime
  header.write('        ', 148, 8, 'ascii') // checksum placeholder: spaces while summing
  header.write('0', 156, 1, 'ascii') // regular file
  header.write('ustar\0', 257, 6, 'ascii')
  header.write('00', 263, 2, 'ascii')
  header.write(prefix, 345, 155, 'utf8')
  let sum = 0
  for (const byte of header) sum += byte
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii')
  return header
}
