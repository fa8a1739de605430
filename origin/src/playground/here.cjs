// CommonJS on purpose: __dirname names this folder whether the origin runs from source (tsx) or
// from dist/ (tools/build.ts copies this file), without import.meta, which dist/ cannot have.
// A bundle that inlines it (the container's) has no folder: undefined.
module.exports = { dir: typeof __dirname === 'string' ? __dirname : undefined };
