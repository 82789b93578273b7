/** The bundle's path under the output folder: `cli/cdk-efa.js`. */
export declare const BUNDLE: string;
/** Bundles `<rootDir>/cli/cli` into `<outDir>/cli/cdk-efa.js` and returns the bundle's path. */
export declare function bundleCli(rootDir?: string, outDir?: string): Promise<string>;
