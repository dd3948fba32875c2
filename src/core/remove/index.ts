/** The one deletion path (DESIGN.md §5) for rm, gc and every front end. */
export { heldBytes, removeFile, type RemoveDeps, type RemoveOptions, type RemoveOutcome } from './remove-file.js';
export { resolveRefs, resolveTargets, type RemovalTarget, type Resolution, type ResolvedTargets, type ResolveInput } from './resolve.js';
