// Test utility: a headless Chromium for metagen's browser tests, found the way users have one.
export {
  type BrowserSource,
  defaultSystemBrowserPaths,
  type FindBrowserOptions,
  type FoundBrowser,
  findBrowser,
} from './find-browser.js'
export { type LaunchedBrowser, launchTestBrowser, testBrowserArgs } from './launch-browser.js'
