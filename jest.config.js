// Test levels follow the file suffix: *.unit.spec.ts (pure), *.int.spec.ts (a real store or broker),
// *.e2e.spec.ts (HTTP against a running app). Adapters for external servers run inside the int suites
// when their environment variables are set (see .ci/run) and print why they skipped otherwise.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];
const moduleNameMapper = {
  '^@ledger/(events|domain|projections|infra|iso20022)$': '<rootDir>/libs/$1/src',
  '^@ledger/(events|domain|projections|infra|iso20022)/(.*)$': '<rootDir>/libs/$1/src/$2',
};
// jose ships only ES modules; jest's CommonJS runtime needs it compiled like our own code.
const common = {
  transform: { '^.+\\.ts$': swc, '/node_modules/jose/.+\\.js$': swc },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleNameMapper,
  testEnvironment: 'node',
  rootDir: __dirname,
};
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,test}/**/*.unit.spec.ts'] },
    { ...common, displayName: 'int', testMatch: ['<rootDir>/{apps,libs,test}/**/*.int.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/{apps,libs,test}/**/*.e2e.spec.ts'] },
  ],
};
