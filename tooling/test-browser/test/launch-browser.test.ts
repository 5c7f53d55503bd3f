// The browser finder on this machine: system paths are tried in order, and with no system browser
// the Chromium shipped inside @sparticuz/chromium is unpacked and really renders a page.
import { describe, expect, it } from 'vitest'
import { findBrowser, launchTestBrowser } from '../src/index.js'

describe('findBrowser', () => {
  it('takes the first system path that is an executable', async () => {
    const found = await findBrowser({
      systemPaths: ['/nonexistent/chromium', process.execPath],
    })
    expect(found).toEqual({ executablePath: process.execPath, source: 'system', env: {} })
  })

  it('reads the system paths from METAGEN_SYSTEM_CHROMIUM', async () => {
    const saved = process.env.METAGEN_SYSTEM_CHROMIUM
    process.env.METAGEN_SYSTEM_CHROMIUM = `/nonexistent/chromium:${process.execPath}`
    try {
      expect((await findBrowser()).executablePath).toBe(process.execPath)
    } finally {
      if (saved === undefined) delete process.env.METAGEN_SYSTEM_CHROMIUM
      else process.env.METAGEN_SYSTEM_CHROMIUM = saved
    }
  })
})

describe('launchTestBrowser without a system browser', () => {
  it('runs the Chromium shipped inside @sparticuz/chromium', async () => {
    const { browser, found } = await launchTestBrowser({ systemPaths: ['/nonexistent/chromium'] })
    try {
      expect(found.source).toBe('package')
      expect(found.env.LD_LIBRARY_PATH).toContain('al2023')
      const page = await browser.newPage()
      await page.setContent('<button onclick="this.textContent = String(6 * 7)">click</button>')
      await page.click('button')
      await expect(page.textContent('button')).resolves.toBe('42')
      const screenshot = await page.screenshot()
      expect(screenshot.subarray(1, 4).toString('latin1')).toBe('PNG')
    } finally {
      await browser.close()
    }
  })
})
