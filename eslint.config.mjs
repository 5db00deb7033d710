import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/**
 * Code the workflow bundle pulls in runs in Temporal's deterministic sandbox: no Node built-ins, no I/O
 * clients, no activity implementations. The folders say which code that is (src/workflows, src/shared), and
 * this list makes the linter hold the line, as the Temporal samples do.
 */
export const SANDBOX_FILES = ['src/workflows/**/*.ts', 'src/shared/**/*.ts', 'src/capacity/**/*.ts'];
/** the one file of src/capacity that is not workflow code: it reads the configuration file */
const SANDBOX_EXCEPTIONS = ['src/capacity/load.ts'];
/**
 * The modules that build zod schemas (validation at the edge, and the job's own validation of its spec). The
 * workflow bundle evaluates every module it imports once per workflow, so the rest of the sandbox imports only
 * their types: a value import would build zod and the schemas in every `containerRun` (src/workflows/job-input.ts
 * loads the job spec's schema where the job validates).
 */
const SCHEMA_FILES = [
  'src/shared/job-spec.ts',
  'src/shared/validation.ts',
  'src/shared/schedule-spec.ts',
  'src/capacity/config.ts',
];

const sandboxRestrictions = {
  paths: [
    ...['activity', 'client', 'worker', 'testing'].map((name) => ({
      name: `@temporalio/${name}`,
      message: 'Workflow code runs in the sandbox: import from @temporalio/workflow (or /common) instead.',
    })),
  ],
  patterns: [
    {
      regex: '^node:|^(fs|path|os|crypto|child_process|http|https|net|url|util|stream|events|timers)(/|$)',
      message: 'Workflow code runs in the deterministic sandbox: no Node built-ins (no I/O, no clocks).',
    },
    {
      group: ['@azure/*'],
      message: 'Workflow code calls Azure only through activities (src/workflows/activities.ts).',
    },
    {
      // src/activities (not src/workflows/activities.ts, the proxies)
      regex: '^(\\.\\./)+activities(/.*)?$',
      // `import type` of the activity interfaces leaves nothing in the bundle, as in the samples
      allowTypeImports: true,
      message:
        'Workflow code proxies activities (proxyActivities<AciActivities>): import only their types (activities/types).',
    },
    {
      regex:
        '^(\\.\\./)+(azure|api|cli|container|observability|security|storage|client|worker|config)(/.*)?$',
      allowTypeImports: true,
      message: 'Workflow code may import only src/workflows and src/shared (types of the rest are fine).',
    },
  ],
};

/** The sandbox's rules, and zod, fflate and the schema modules for types only. */
const workflowRestrictions = {
  paths: [
    ...sandboxRestrictions.paths,
    {
      name: 'zod',
      allowTypeImports: true,
      message:
        'Workflow code evaluates its imports once per workflow: no zod here (the job loads its schema in src/workflows/job-input.ts).',
    },
    ...['fflate', 'fflate/browser'].map((name) => ({
      name,
      allowTypeImports: true,
      message:
        'Workflow code evaluates its imports once per workflow: fflate loads where it is used (src/capacity/packed-snapshot.ts).',
    })),
  ],
  patterns: [
    ...sandboxRestrictions.patterns,
    {
      regex: '^(\\.\\.?/)+(shared/)?(job-spec|validation|schedule-spec)$',
      allowTypeImports: true,
      message:
        'A schema module builds zod schemas: import its types only, and values from src/shared/job-model.ts.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.tools/', '.data/', 'bench-results/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // async functions here satisfy Promise-returning contracts (PayloadCodec, Fastify hooks and plugins,
      // credentials) without awaiting anything; `return Promise.resolve(...)` would read worse
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports' },
      ],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // one direction between layers, types included (no-cycle lets type-only cycles through)
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            { target: './src/azure', from: './src/activities', message: 'azure/ is below activities/.' },
            { target: './src/security', from: './src/api', message: 'security/ is below api/.' },
            {
              target: './src/shared',
              from: './src/!(shared)/**',
              message: 'shared/ depends on nothing else.',
            },
            {
              target: './src',
              from: './dev',
              message: 'Production code never imports dev/ (not in the image).',
            },
            {
              target: './src/console',
              from: './src/!(console|shared)/**',
              message:
                'The console runs in the browser: it imports src/shared only, and reaches the rest through the API.',
            },
            {
              target: './src/!(console)/**',
              from: './src/console',
              message: 'The console is a browser bundle: nothing else imports it.',
            },
          ],
        },
      ],
    },
  },
  {
    files: SANDBOX_FILES,
    ignores: SANDBOX_EXCEPTIONS,
    rules: { 'no-restricted-imports': ['error', workflowRestrictions] },
  },
  {
    files: SCHEMA_FILES,
    rules: { 'no-restricted-imports': ['error', sandboxRestrictions] },
  },
  {
    // plain JavaScript (the bin shim, configs): no type information to check with
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
