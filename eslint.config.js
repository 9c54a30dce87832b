import nextVitals from 'eslint-config-next/core-web-vitals'
import nextTs from 'eslint-config-next/typescript'

/**
 * Import direction (ARCHITECTURE.md): server never imports app, components or ingest; the browser
 * side reaches the server through tRPC only, except the pure shared contracts in server/domain.
 */
const serverOnly = {
  group: ['@/server/*', '!@/server/domain', '!@/server/domain/*', '../server/*', '../../server/*'],
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
        { patterns: [{ group: ['@/app/*', '@/components/*', '@/ingest/*', '../app/*', '../components/*', '../ingest/*', '../../app/*', '../../components/*', '../../ingest/*'], message: 'server/ never imports app, components or ingest.' }] },
      ],
    },
  },
  {
    files: ['components/**/*.{ts,tsx}'],
    // Type-only imports of the tRPC router are erased at build time and keep the client typed.
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ ...serverOnly, allowTypeImports: true }] }] },
  },
]

export default config
