// The saved-trace page in a real headless browser (a system Chromium/Chrome, else the one shipped
// inside @sparticuz/chromium; see @metagen/test-browser), with every network request refused:
// a step-beam trace on the real tinymath-draft model is drawn as a tree by the playground's run
// view, node for node, with the chosen path, and a click on a node shows its details.
import { mkdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { launchTestBrowser } from '@metagen/test-browser'
import { describe, expect, it } from 'vitest'
import { main } from '../src/index.js'
import { captureIo } from './capture-io.js'

const outputFolder = join(import.meta.dirname, '..', 'test-output', 'trace-page')

describe('the HTML trace page in a browser', () => {
  it('draws a step-beam trace as the playground tree, offline', async () => {
    await mkdir(outputFolder, { recursive: true })
    const tracePath = join(outputFolder, 'trace.jsonl')
    const htmlPath = join(outputFolder, 'trace.html')
    const question =
      'Raj has 40 books. He buys 8 jars with 85 books each. How many books does Raj have now?'
    expect(
      await main(
        [
          'solve',
          question,
          '--model',
          'tinymath-draft',
          '--strategy',
          'step-beam',
          '--beams',
          '6',
          '--beam-width',
          '3',
          '--trace-out',
          tracePath,
        ],
        captureIo(),
      ),
    ).toBe(0)
    expect(await main(['trace', tracePath, '--html', htmlPath], captureIo())).toBe(0)
    const events = (await readFile(tracePath, 'utf8'))
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map(
        (line) => JSON.parse(line) as { kind: string; id: string; data?: Record<string, unknown> },
      )
    const nodes = events.filter((event) => event.kind === 'node')
    const nodeIds = new Set(nodes.map((node) => node.id))
    expect(nodeIds.size).toBeGreaterThan(3)
    const output = events.find((event) => event.kind === 'span-end' && event.id === 's1')?.data
      ?.output as { text: string; answer: string }
    const finalNode = nodes.find(
      (node) => node.data?.text === output.text,
    ) as (typeof nodes)[number]
    expect(finalNode).toBeDefined()

    const { browser } = await launchTestBrowser()
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } })
      const requests: string[] = []
      await page.route('**/*', (route) => {
        const url = route.request().url()
        if (url.startsWith('file:')) return route.continue()
        requests.push(url)
        return route.abort()
      })
      const errors: string[] = []
      page.on('pageerror', (error) => errors.push(error.message))
      await page.goto(pathToFileURL(htmlPath).href)
      await expect(page.title()).resolves.toContain('metagen trace')
      await page.waitForSelector('svg.tree-svg .tree-node')
      // The answer and the counters come from the trace.
      await expect(page.locator('.answer-value').textContent()).resolves.toBe(output.answer)
      // Unmerged, every search node of the trace is one drawn node.
      await page.locator('.tree-section input[type="checkbox"]').uncheck()
      const drawn = await page
        .locator('svg.tree-svg .tree-node')
        .evaluateAll((elements) => elements.map((element) => element.getAttribute('data-id')))
      expect(new Set(drawn)).toEqual(nodeIds)
      // The chosen path runs from the root to the node holding the returned text.
      const chosen = await page
        .locator('svg.tree-svg .tree-node.chosen')
        .evaluateAll((elements) => elements.map((element) => element.getAttribute('data-id')))
      expect(chosen).toContain(finalNode.id)
      expect(chosen).toHaveLength((finalNode.data?.depth as number) + 1)
      // Clicking a node shows its step, score and the model call behind it.
      await page.locator(`svg.tree-svg .tree-node[data-id="${finalNode.id}"]`).click()
      await expect(page.locator('.details .detail-text').textContent()).resolves.toBe(
        output.text.trim(),
      )
      await expect(page.locator('.details .detail-call').textContent()).resolves.toContain(
        'tinymath-draft',
      )
      // Merged again, identical steps collapse into fewer nodes.
      await page.locator('.tree-section input[type="checkbox"]').check()
      expect(await page.locator('svg.tree-svg .tree-node').count()).toBeLessThanOrEqual(
        nodeIds.size,
      )
      const screenshot = join(outputFolder, 'trace-page.png')
      await page.screenshot({ path: screenshot, fullPage: true })
      const bytes = await readFile(screenshot)
      expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG')
      expect((await stat(screenshot)).size).toBeGreaterThan(10_000)
      expect(errors).toEqual([])
      expect(requests).toEqual([])
    } finally {
      await browser.close()
    }
  })
})
