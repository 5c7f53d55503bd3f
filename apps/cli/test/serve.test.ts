// The CLI as a child process: `metagen solve` on a corrupt model folder exits; `metagen serve`
// serves the tinymath models, checks the API key, and on SIGTERM answers every accepted request
// before it exits.
import { spawn } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tinymathModelPaths } from '@metagen/tinymath'
import { describe, expect, it } from 'vitest'
import { main } from '../src/index.js'
import { captureIo } from './capture-io.js'

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))

describe('a corrupt model folder', () => {
  it('metagen solve prints the load error and exits (no worker left behind)', async () => {
    const draft = tinymathModelPaths['tinymath-draft']
    const folder = await mkdtemp(join(tmpdir(), 'metagen-corrupt-'))
    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) {
      await copyFile(join(draft, file), join(folder, file))
    }
    await mkdir(join(folder, 'onnx'))
    await writeFile(join(folder, 'onnx', 'model.onnx'), 'this is not an ONNX protobuf')
    const child = spawn(process.execPath, [bin, 'solve', 'What is 1 + 1?', '--model', folder], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk)
    })
    // Without an exit the test times out: that was the bug.
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
    expect(code).toBe(2)
    expect(stderr).toMatch(/metagen: Cannot load model from .*metagen-corrupt-/)
    await rm(folder, { recursive: true, force: true })
  })
})

describe('metagen serve', () => {
  it('prints its flags with --help and names a bad flag value', async () => {
    const help = captureIo()
    expect(await main(['serve', '--help'], help)).toBe(0)
    expect(help.out()).toContain('--api-key KEY')
    expect(help.out()).toContain('--cors ORIGIN')
    const bad = captureIo()
    expect(await main(['serve', '--port', 'eighty'], bad)).toBe(2)
    expect(bad.err()).toMatch(/--port: expected an integer in \[0, 65535\], received "eighty"/)
  })

  it('serves with an API key and drains accepted requests on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [bin, 'serve', '--port', '0', '--api-key', 'secret', '--quiet'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk)
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += String(chunk)
        const match = /listening on (http:\/\/\S+)\/v1/.exec(stdout)
        if (match) resolve(match[1] as string)
      })
      child.on('exit', () => reject(new Error(`serve exited early: ${stderr}`)))
    })
    const call = (key: string, seed: number) =>
      fetch(`${url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({
          model: 'tinymath-draft',
          prompt:
            'Q: Ava has 23 apples. She buys 4 bags with 17 apples each. How many apples does Ava have now?\nA:',
          max_tokens: 64,
          seed,
        }),
      })
    expect((await call('wrong', 0)).status).toBe(401)
    let answered = 0
    const accepted = [1, 2, 3].map((seed) =>
      call('secret', seed).finally(() => {
        answered += 1
      }),
    )
    // A short sample can be answered before the poll sees it accepted: count those too.
    for (;;) {
      const health = (await (await fetch(`${url}/health`)).json()) as {
        queued: number
        inFlightRequests: number
      }
      if (health.queued + health.inFlightRequests + answered >= 3) break
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    child.kill('SIGTERM')
    const responses = await Promise.all(accepted)
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200])
    for (const response of responses) {
      const body = (await response.json()) as { choices: Array<{ text: string }> }
      expect(body.choices[0]?.text.length).toBeGreaterThan(0)
    }
    expect(await exited).toBe(0)
    expect(stderr).toContain('SIGTERM, draining')
  })
})

describe('metagen playground', () => {
  it('prints its help, then starts the server and prints the page URL; SIGINT stops it', async () => {
    const help = captureIo()
    expect(await main(['playground', '--help'], help)).toBe(0)
    expect(help.out()).toMatch(/^Usage: metagen playground/)
    expect(help.out()).toContain('--api-key KEY')
    const child = spawn(process.execPath, [bin, 'playground', '--port', '0', '--quiet'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk)
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += String(chunk)
        const match = /metagen playground: open (http:\/\/\S+\/) in a browser/.exec(stdout)
        if (match) resolve(match[1] as string)
      })
      child.on('exit', () => reject(new Error(`playground exited early: ${stderr}`)))
    })
    const page = await fetch(url)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<script src="/playground/playground.js"></script>')
    const strategies = (await (await fetch(`${url}api/strategies`)).json()) as {
      data: Array<{ name: string }>
    }
    expect(strategies.data.map((strategy) => strategy.name)).toContain('step-beam')
    child.kill('SIGINT')
    expect(await exited).toBe(0)
    expect(stderr).toContain('metagen playground: SIGINT, draining')
  })
})
