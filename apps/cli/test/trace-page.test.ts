// The HTML trace page in a real headless browser (a system Chromium/Chrome, else the one shipped
// inside @sparticuz/chromium; see @metagen/test-browser): a step-beam trace on the real
// tinymath-draft model renders, nodes expand on click, and a screenshot is taken.
import { mkdtemp, readFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { launchTestBrowser } from '@metagen/test-browser'
import { describe, expect, it } from 'vitest'
import { main } from '../src/index.js'
import { captureIo } from './capture-io.js'

describe('the HTML trace page in a browser', () => {
  it('renders a step-beam trace whose nodes expand on click', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'metagen-trace-page-'))
    const tracePath = join(folder, 'trace.jsonl')
    const htmlPath = join(folder, 'trace.html')
    const question =
      'Raj has 40 books. He buys 8 jars with 85 books each. How many books does Raj have now?'
    const io = captureIo()
    expect(
      await main(
        [
          'solve',
          question,
          '--model',
          'tinymath-draft',
          '--strategy',
          'step-beam',
          '--beam-width',
          '2',
          '--expansions',
          '3',
          '--trace-out',
          tracePath,
        ],
        io,
      ),
    ).toBe(0)
    expect(await main(['trace', tracePath, '--html', htmlPath], captureIo())).toBe(0)
    const stepCount = (await readFile(tracePath, 'utf8'))
      .split('\n')
      .filter((line) => line.includes('"kind":"node"')).length
    expect(stepCount).toBeGreaterThan(3)

    const { browser } = await launchTestBrowser()
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } })
      await page.goto(pathToFileURL(htmlPath).href)
      await expect(page.title()).resolves.toContain('metagen trace')
      // Every search node is in the page; the root span is open, deep nodes start closed.
      expect(await page.locator('details.trace-node.node').count()).toBe(stepCount)
      await expect(
        page.locator('details.trace-node.span').first().getAttribute('open'),
      ).resolves.toBe('')
      // A closed search node that has children (a step that was expanded further).
      const closed = page.locator('details.trace-node.node:not([open]):has(> ul)').first()
      const closedId = await closed.getAttribute('data-id')
      expect(closedId).toBeTruthy()
      const target = page.locator(`details.trace-node[data-id="${closedId}"]`)
      // Its children are hidden until it is clicked.
      expect(await target.locator(':scope > ul > li').count()).toBeGreaterThan(0)
      await expect(target.locator(':scope > ul').isVisible()).resolves.toBe(false)
      await target.locator(':scope > summary').click()
      await expect(target.getAttribute('open')).resolves.toBe('')
      await expect(target.locator(':scope > ul').isVisible()).resolves.toBe(true)
      await expect(target.locator(':scope > details.data > summary').isVisible()).resolves.toBe(
        true,
      )
      // Clicking again collapses it; "Expand all" opens every node.
      await target.locator(':scope > summary').click()
      await expect(target.getAttribute('open')).resolves.toBeNull()
      await page.click('#expand-all')
      expect(await page.locator('details.trace-node:not([open])').count()).toBe(0)
      const screenshot = join(folder, 'trace.png')
      await page.screenshot({ path: screenshot, fullPage: false })
      const bytes = await readFile(screenshot)
      expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG')
      expect((await stat(screenshot)).size).toBeGreaterThan(10_000)
    } finally {
      await browser.close()
    }
  })
})
