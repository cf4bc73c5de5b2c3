/** Types for stale.mjs (plain JavaScript: `closeout` and the build scripts run it before any compiler). */
export declare const root: string;
export declare const isFresh: (outs: string[], sources: string[]) => boolean;
