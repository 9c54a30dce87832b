import nextVitals from 'eslint-config-next/core-web-vitals'
import nextTs from 'eslint-config-next/typescript'

/**
 * Import direction (ARCHITECTURE.md, docs/architecture.md): server never imports app, components,
 * ingest or simulator; ingest never imports app, components or simulator; the browser side reaches
 * the server through tRPC only, except the pure shared contracts in server/domain. Tests obey the
 * same rules as the code they test.
 */
const DEPTHS = [1, 2, 3, 4, 5, 6]

/** Imports of these top-level folders, by alias or by a relative path of any depth. */
function outside(folders, message) {
  const group = folders.flatMap((f) => [`@/${f}`, `@/${f}/*`, ...DEPTHS.flatMap((d) => [`${'../'.repeat(d)}${f}`, `${'../'.repeat(d)}${f}/*`])])
  return { group, message }
}

const serverOnly = {
  group: ['@/server/*', '!@/server/domain', '!@/server/domain/*', ...DEPTHS.flatMap((d) => [`${'../'.repeat(d)}server/*`, `!${'../'.repeat(d)}server/domain`, `!${'../'.repeat(d)}server/domain/*`])],
  message: 'Client code reaches the server through tRPC; only pure contracts in server/domain may be imported.',
}

const config = [
  { ignores: ['.next/**', 'node_modules/**', 'server/db/generated/**', '.data/**', 'test-results/**', 'playwright-report/**', 'next-env.d.ts'] },
  ...nextVitals,
  ...nextTs,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
    },
  },
  {
    files: ['server/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            outside(['app', 'components', 'simulator'], 'server/ never imports app, components, ingest or simulator.'),
            // The one exception: the tap mapping engine (pure: a record in, a hop event or the reason out),
            // which the tap editor's preview and TAPS_FILE's start-up check run exactly as the worker does,
            // so a preview can never disagree with what the worker stores.
            { regex: '^(@/|(\\.\\./)+)ingest(/(?!taps/map$).*)?$', message: 'server/ never imports ingest (except the tap mapping engine, ingest/taps/map).' },
          ],
        },
      ],
    },
  },
  {
    files: ['ingest/**/*.{ts,tsx}'],
    rules: { 'no-restricted-imports': ['error', { patterns: [outside(['app', 'components', 'simulator'], 'ingest/ never imports app, components or simulator.')] }] },
  },
  {
    files: ['components/**/*.{ts,tsx}'],
    // Type-only imports of the tRPC router are erased at build time and keep the client typed.
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ ...serverOnly, allowTypeImports: true }] }] },
  },
  {
    // UI.md's time convention: a bare toLocale*String renders in whatever zone and locale the browser
    // has (US dates, a zone nobody names). Times go through components/ui/format.ts instead.
    files: ['components/**/*.{ts,tsx}', 'app/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'CallExpression[callee.property.name=/^toLocale(Date|Time)?String$/]:not(:has(Property[key.name="timeZone"]))',
          message: 'No toLocale*String without an explicit timeZone: use formatPlantTime / formatUserTime / formatUtc / formatCount from components/ui/format.ts.',
        },
      ],
    },
  },
]

export default config
