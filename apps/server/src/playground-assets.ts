// The playground's static files: the page at `/` and the client bundle under `/playground/`,
// built from `client/` into `dist/playground/` at build time (no CDN at run time), and the
// self-contained saved-trace page that inlines the same tree component.
import { existsSync, readFileSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import { fileURLToPath } from 'node:url'
import type { TraceEvent } from '@metagen/core'
import { MetagenError } from '@metagen/core'

/** The files the client build writes into `dist/playground/`. */
export const playgroundAssetNames: readonly string[] = [
  'playground.js',
  'playground.css',
  'trace-viewer.js',
]

const contentTypes: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
}

let cachedFolder: string | undefined

/**
 * The folder holding the built client: `playground/` next to the bundled server code (the
 * package's `dist/`), or `../dist/playground/` when running from the sources (tests). Throws a
 * MetagenError naming both paths when the client was not built (`pnpm build`).
 */
export function playgroundAssetFolder(): string {
  if (cachedFolder !== undefined) return cachedFolder
  const candidates = [
    fileURLToPath(new URL('./playground/', import.meta.url)),
    fileURLToPath(new URL('../dist/playground/', import.meta.url)),
  ]
  const found = candidates.find((folder) => existsSync(`${folder}playground.js`))
  if (found === undefined) {
    throw new MetagenError(
      `The playground client is not built (looked in ${candidates.join(' and ')}): run pnpm build in apps/server.`,
    )
  }
  cachedFolder = found
  return found
}

const assetCache = new Map<string, string>()

/** The text of a built client file (one of {@link playgroundAssetNames}), read once. */
export function readPlaygroundAsset(name: string): string {
  const cached = assetCache.get(name)
  if (cached !== undefined) return cached
  if (!playgroundAssetNames.includes(name)) {
    throw new MetagenError(`Unknown playground asset ${JSON.stringify(name)}.`)
  }
  const text = readFileSync(`${playgroundAssetFolder()}${name}`, 'utf8')
  assetCache.set(name, text)
  return text
}

/** The HTML of the playground page (served at `/`). */
export function renderPlaygroundPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>metagen playground</title>
<link rel="stylesheet" href="/playground/playground.css">
</head>
<body>
<noscript>The metagen playground needs JavaScript.</noscript>
<div id="app"></div>
<script src="/playground/playground.js"></script>
</body>
</html>
`
}

/**
 * Serves `GET /` (the page), `GET /playground/<asset>` and an empty `/favicon.ico`; returns
 * false for any other path.
 * The files carry no secrets: they are served without the API key (the page asks for it).
 */
export function servePlaygroundAsset(path: string, response: ServerResponse): boolean {
  if (path === '' || path === '/') {
    send(response, 'text/html; charset=utf-8', renderPlaygroundPage())
    return true
  }
  if (path === '/favicon.ico') {
    response.writeHead(204, { 'cache-control': 'max-age=86400' })
    response.end()
    return true
  }
  const match = /^\/playground\/([a-z-]+\.(js|css))$/.exec(path)
  if (!match || !playgroundAssetNames.includes(match[1] as string)) return false
  send(
    response,
    contentTypes[match[2] as string] as string,
    readPlaygroundAsset(match[1] as string),
  )
  return true
}

function send(response: ServerResponse, type: string, text: string): void {
  response.writeHead(200, {
    'content-type': type,
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  })
  response.end(text)
}

/** Options of {@link renderTracePage}. */
export interface TracePageOptions {
  /** The page title (default `metagen trace`). */
  title?: string
}

/**
 * A self-contained HTML page (no server, no network) that draws a saved trace with the
 * playground's tree component: the viewer script, its styles and the events are inlined.
 */
export function renderTracePage(
  events: readonly TraceEvent[],
  options: TracePageOptions = {},
): string {
  const title = options.title ?? 'metagen trace'
  // `<` escaped so that no text inside the JSON can close the script element.
  const json = JSON.stringify(events).replace(/</g, '\\u003c')
  const script = readPlaygroundAsset('trace-viewer.js').replace(/<\/script/gi, '<\\/script')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${readPlaygroundAsset('playground.css')}</style>
</head>
<body>
<div id="app" data-title="${escapeHtml(title)}"></div>
<script type="application/json" id="metagen-trace">${json}</script>
<script>${script}</script>
</body>
</html>
`
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`)
}
