/** Rewrites `<libDir>/index.js` into a lazy index; returns false when it was rewritten already. */
export declare function lazyIndex(libDir: string): boolean;
/** The re-exported module specifiers of a TypeScript-compiled index, or undefined for any other file. */
export declare function reexportedModules(indexSource: string): string[] | undefined;
/** The source of a lazy index for module specifier → exported value names. */
export declare function renderLazyIndex(exportsByModule: Record<string, string[]>): string;
