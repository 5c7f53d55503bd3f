// Launches the browser that findBrowser found, headless, under playwright-core (which never
// downloads a browser of its own).
import { type Browser, chromium } from 'playwright-core'
import { type FindBrowserOptions, type FoundBrowser, findBrowser } from './find-browser.js'

/** Chromium flags for a headless test run as any user (root included) without a GPU. */
export const testBrowserArgs: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** A launched browser together with what was launched. */
export interface LaunchedBrowser {
  browser: Browser
  found: FoundBrowser
}

/**
 * Finds a browser with {@link findBrowser} and launches it headless with playwright-core.
 * The caller closes `browser`. Throws (never skips) when no browser can be found or launched.
 */
export async function launchTestBrowser(
  options: FindBrowserOptions = {},
): Promise<LaunchedBrowser> {
  const found = await findBrowser(options)
  const environment: Record<string, string> = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined) environment[name] = value
  }
  const browser = await chromium.launch({
    executablePath: found.executablePath,
    headless: true,
    args: [...testBrowserArgs],
    env: { ...environment, ...found.env },
  })
  return { browser, found }
}
