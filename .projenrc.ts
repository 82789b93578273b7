import { awscdk, javascript, DependencyType } from 'projen';

/** The newest aws-cdk-lib 2.x we build and test against (the peer floor stays at cdkVersion). */
const CDK_TEST_VERSION = '2.276.0';
/** The aws-cdk CLI that reads current cloud assemblies (3.x cannot). */
const CDK_CLI_VERSION = '2.1148.1';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-efa',
  description: 'AWS CDK constructs for EFA-enabled fleets: security group, per-network-card launch template layout, placement group and EKS node groups.',
  author: 'cdk-efa maintainers',
  authorAddress: 'maintainers@cdk-efa.dev',
  repositoryUrl: 'https://github.com/cdk-efa/cdk-efa.git',
  keywords: ['cdk', 'aws-cdk', 'efa', 'elastic-fabric-adapter', 'hpc', 'ml', 'eks', 'ec2', 'nccl'],
  license: 'Apache-2.0',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  github: false,
  release: false,
  sampleCode: false,

  // aws-eks-v2 first shipped in 2.240.0: that is the floor users may have.
  cdkVersion: '2.240.0',
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',

  // Peer floors are what users may have; we build against the newest release instead.
  peerDependencyOptions: { pinnedDevDependency: false },

  bundledDeps: ['commander@^14', 'fastest-levenshtein@^1.0.16', 'yaml@^2'],
  devDeps: [
    'fast-check@^4',
    `aws-cdk@${CDK_CLI_VERSION}`,
    // The offering-check Lambda uses the AWS SDK v3 that the Node.js Lambda runtime provides; tests mock it.
    '@aws-sdk/client-ec2@^3',
    'aws-sdk-client-mock@^4',
    '@types/aws-lambda@^8',
    // The EKS example cluster's kubectl layer.
    '@aws-cdk/lambda-layer-kubectl-v34@^2',
    // The example stacks are checked with cdk-nag's AwsSolutions pack in a test.
    'cdk-nag@^3',
  ],

  // src/**/*.lambda.ts handlers are bundled with esbuild into assets/ and get a generated Function construct next to
  // them (src/ec2/offering-check.lambda.ts: assets/ec2/offering-check.lambda/, src/ec2/offering-check-function.ts).
  lambdaOptions: {
    runtime: awscdk.LambdaRuntime.NODEJS_24_X,
    awsSdkConnectionReuse: false,
  },

  // The CLI as one bundled file (build-tools/bundle-cli.js, run by the compile task): it starts in half the time.
  bin: { 'cdk-efa': 'lib/cli/cdk-efa.js' },

  tsconfigDevFile: 'tsconfig.dev.json',
  // ts-jest compiles tests without type-checking them; type-check tests, examples and build tools first.
  typecheckTests: true,
  tsconfigDev: {
    include: ['.projenrc.ts', 'projenrc/**/*.ts', 'examples/**/*.ts', 'build-tools/**/*.ts', 'bench/**/*.ts'],
    exclude: ['node_modules', '.cache', '.tmp', 'dist', 'cdk.out', 'lib'],
    compilerOptions: {},
  },

  // Lint src, tests, examples and build tools against tsconfig.dev.json, which includes them all.
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'build-tools', 'examples', 'bench'],
    tsconfigPath: './tsconfig.dev.json',
    projectService: false,
  },

  jestOptions: {
    jestConfig: {
      // TMPDIR for aws-cdk-lib's cdk.out folders is set before the workers start, and removed after the run.
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
      setupFiles: ['<rootDir>/test/setup-env.ts'],
      // Some tests synthesize whole example apps or many stacks; 2 shared cores can be slow.
      testTimeout: 120_000,
      // With --ci on 2 cores jest runs one worker (cores − 1); two workers halve the suite's time (209 → 113 s).
      maxWorkers: '100%',
      testPathIgnorePatterns: ['/node_modules/', '/cdk.out/', '/.tmp/', '/.cache/', '/dist/'],
      // The bindings check keeps jsii package caches (with whole aws-cdk-lib copies) under .cache/ and .tmp/.
      modulePathIgnorePatterns: ['<rootDir>/.cache/', '<rootDir>/.tmp/', '<rootDir>/dist/', '<rootDir>/cdk.out/'],
    },
    // CI must never rewrite snapshots: a changed logical ID has to fail.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
  },

  publishToPypi: {
    distName: 'cdk-efa',
    module: 'cdk_efa',
  },
  publishToMaven: {
    mavenGroupId: 'io.github.cdkefa',
    javaPackage: 'io.github.cdkefa',
    mavenArtifactId: 'cdk-efa',
  },
  publishToNuget: {
    packageId: 'CdkEfa',
    dotNetNamespace: 'CdkEfa',
  },
  publishToGo: {
    moduleName: 'github.com/cdk-efa/cdk-efa-go',
  },

  gitignore: ['cdk.out/', '.tmp/', '/.ci-logs/', '/.jsii.tabl.json'],
});

// Build and test against the newest aws-cdk-lib; users keep the 2.240.0 floor.
project.deps.addDependency(`aws-cdk-lib@${CDK_TEST_VERSION}`, DependencyType.BUILD);
project.deps.addDependency('constructs@10.8.1', DependencyType.BUILD);

// jsii warning JSII6 (metadata/missing-dev-dependency) asks for the devDependency on each peer to be pinned at the
// peer's floor, so that the tests run on the oldest release users may have. Here the devDependencies are the newest
// releases on purpose (what most users run, and the CLI that reads current cloud assemblies), and the floor is tested
// separately instead: `.ci/run` runs the whole unit suite against aws-cdk-lib 2.240.0 and constructs 10.5.1, installed
// from test/peer-floor into a folder of their own. So the warning is understood, covered, and silenced.
project.compileTask.reset('jsii --silence-warnings=reserved-word --silence-warnings=metadata/missing-dev-dependency');

// The capability table ships as compact JSON, read on the first lookup (src/core/private/instance-table.ts). jsii
// compiles only the .ts files, so the compile task copies the table next to its reader in lib/, where the npm package
// (and so every binding) picks it up.
const CAPABILITY_TABLE = 'src/core/private/instance-types.generated.json';
project.compileTask.exec(`mkdir -p lib/core/private && cp ${CAPABILITY_TABLE} lib/core/private/`);
project.gitattributes.addAttributes(`/${CAPABILITY_TABLE}`, 'linguist-generated');

// TypeScript compiles src/index.ts's `export *` lines into eager requires, so importing cdk-efa loaded every construct
// module and the aws-ec2 classes they extend. build-tools/lazy-index.js rewrites lib/index.js into one getter per
// export (as aws-cdk-lib's module indexes are), keeping the export names that Node's ESM loader reads.
project.compileTask.exec('node build-tools/lazy-index.js lib');

// `cdk-efa layout` spent about half of its start-up resolving and reading its 22 modules; build-tools/bundle-cli.js
// bundles the compiled CLI, the core and commander into lib/cli/cdk-efa.js, which `bin` names (bench/FINDINGS.md §1).
project.compileTask.exec('node build-tools/bundle-cli.js lib');

// Tests synthesize the Lambda assets, so bundle them first (a fresh clone has no assets/ yet).
const bundle = project.tasks.tryFind('bundle')!;
project.testTask.prependSpawn(bundle);

// Every task that reads the compiled library (lib/, the .jsii assembly, assets/) builds it first, so that each one works
// on a fresh clone on its own. jsii takes about a minute, so the build is skipped while lib/, .jsii and assets/ exist and
// .jsii is newer than every source file, the build tools that rewrite lib/, the README (which the assembly embeds) and the
// project files.
const LIB_IS_STALE = '[ ! -f .jsii ] || [ ! -f lib/index.js ] || [ ! -f lib/cli/cdk-efa.js ] || [ ! -d assets ] || [ -n "$(find src build-tools/lazy-index.js build-tools/bundle-cli.js README.md package.json tsconfig.json -newer .jsii -print -quit)" ]';
const compileIfStale = project.addTask('compile:if-stale', {
  description: 'Bundle the Lambda handlers and compile the library with jsii, unless lib/, .jsii and assets/ are newer than every source file',
  steps: [
    { spawn: bundle.name, condition: LIB_IS_STALE },
    { spawn: project.compileTask.name, condition: LIB_IS_STALE },
  ],
});

// API reference for every jsii language, with the README's examples transliterated by jsii-rosetta.
const docgen = project.tasks.tryFind('docgen')!;
docgen.prependSpawn(compileIfStale);
docgen.exec('jsii-docgen --language python --language java --language csharp --language go --readme --output docs/api/API');

project.addTask('bench', {
  description: 'Benchmarks: synth time and memory against hand-written L1, layout and import cost, package size; writes bench/RESULTS.md',
  steps: [
    { spawn: compileIfStale.name },
    { exec: 'ts-node --project tsconfig.dev.json bench/run.ts', receiveArgs: true },
  ],
});

project.addTask('bindings', {
  description: 'Build the Python, Java, Go and .NET packages with jsii-pacmak and check that each language app synthesizes the same template as TypeScript',
  exec: 'bash test/bindings/run.sh',
  receiveArgs: true,
});

// Keep caches, scratch output, CI files and development-only folders out of the npm package, and so out of every binding.
// The package ships what the library runs (lib/, assets/, .jsii, the bundled dependencies) plus README, API.md and
// LICENSE: the capability table's source data (compiled into lib/) and the per-language API references stay in the repo.
for (const pattern of ['/.cache/', '/.tmp/', '/cdk.out/', '/.ci/', '/.ci-logs/', '/bench/', '/examples/', '/build-tools/', '/rosetta/', '/test/', '/data/', '/docs/']) {
  project.addPackageIgnore(pattern);
}

project.addTask('update-instance-types', {
  description: 'Regenerate the compiled capability table from data/efa-instance-types.json, merging any describe-instance-types output files given as arguments (with --patch, only the fields they carry, into types already in the table)',
  exec: 'ts-node --project tsconfig.dev.json build-tools/update-instance-types.ts',
  receiveArgs: true,
});

project.addTask('example', {
  description: 'Synthesize examples/app.ts with the aws-cdk CLI into cdk.out and print the EFA layout of every launch template in it',
  steps: [
    { spawn: compileIfStale.name },
    { exec: 'cdk synth --app "ts-node --prefer-ts-exts --project tsconfig.dev.json examples/app.ts" --output cdk.out --quiet' },
    { exec: 'node lib/cli/cdk-efa.js inspect cdk.out' },
  ],
});

project.addTask('rosetta:extract', {
  description: 'Compile every README example under jsii-rosetta --strict',
  steps: [
    { spawn: compileIfStale.name },
    { exec: 'jsii-rosetta extract --strict' },
  ],
});

project.synth();
