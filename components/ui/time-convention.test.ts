import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

/**
 * UI.md's time convention is enforced by a `no-restricted-syntax` rule in eslint.config.js for
 * components/ and app/; this proves the rule catches a bare toLocale*String and lets a zoned one pass.
 */
const eslint = new ESLint({ cwd: process.cwd() })

async function restricted(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message)
}

describe('no toLocale*String without a timeZone', () => {
  it('flags bare date and number calls in components/ and app/', async () => {
    const code = 'export const a = (d: Date, n: number) => [d.toLocaleString(), d.toLocaleDateString("en-US"), d.toLocaleTimeString(), n.toLocaleString("en-US")]\n'
    expect(await restricted(code, 'components/x/bad.ts')).toHaveLength(4)
    expect(await restricted(code, 'app/x/bad.ts')).toHaveLength(4)
  })

  it('accepts a call that names its zone', async () => {
    const code = 'export const a = (d: Date) => d.toLocaleString("en-GB", { timeZone: "Europe/Berlin" })\n'
    expect(await restricted(code, 'components/x/good.ts')).toEqual([])
  })
})
