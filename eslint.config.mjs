// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'coverage/', 'bench/results/', '**/*.js', '**/*.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Import direction (docs: lambda/contract.ts): Lambda code never loads the CDK or the app's
    // infrastructure code, so no bundle carries it.
    files: ['lambda/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdk-nag', 'cdk-nag/*'],
              message: 'Lambda code must not import the CDK; share constants through lambda/contract.ts.',
            },
            {
              group: ['**/lib/**', '**/config/**', '**/bin/**'],
              message: 'Lambda code must not import the CDK app or its config; pass values through the environment.',
            },
          ],
        },
      ],
    },
  },
  {
    // The CDK app reaches Lambda code only through the contract, which imports nothing.
    files: ['lib/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/lambda/**', '!**/lambda/contract'],
              message: 'lib/ may import Lambda code only through lambda/contract.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['lambda/contract.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportDeclaration',
          message: 'lambda/contract.ts imports nothing: both the CDK app and every bundle load it.',
        },
        { selector: 'ImportExpression', message: 'lambda/contract.ts imports nothing.' },
      ],
    },
  },
  {
    // CDK constructs are created for their side effects (`new Construct(this, ...)`).
    files: ['lib/**/*.ts', 'bin/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-new': 'off' },
  },
);
