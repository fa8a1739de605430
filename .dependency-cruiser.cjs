/**
 * The import boundaries: docs/architecture.md's opening map, as rules. Each layer names what it
 * may import besides itself; an import of anything else in the repository fails `npm test`, and
 * so does any import cycle. Packages from node_modules and node's own modules are not limited here.
 */

const SRC = '^origin/src/';

/** Bottom to top: each layer may import the layers it names, never one above it. */
const LAYERS = [
  // Root files that import nothing of ours: every layer may import them.
  { name: 'leaves (errors.ts, limits.ts)', id: 'leaves', path: [`${SRC}errors[.]ts$`, `${SRC}limits[.]ts$`], may: [] },
  { name: 'grammar/', id: 'grammar', path: `${SRC}grammar/`, may: ['leaves'] },
  { name: 'pipeline/', id: 'pipeline', path: `${SRC}pipeline/`, may: ['grammar', 'leaves'] },
  { name: 'config-types.ts', id: 'config-types', path: `${SRC}config-types[.]ts$`, may: ['grammar', 'leaves'] },
  { name: 'sources/', id: 'sources', path: `${SRC}sources/`, may: ['config-types', 'leaves'] },
  { name: 'signing/', id: 'signing', path: `${SRC}signing/`, may: ['grammar', 'pipeline', 'config-types', 'leaves'] },
  { name: 'observability/', id: 'observability', path: `${SRC}observability/`, may: ['config-types', 'leaves'] },
  { name: 'cache-tag.ts', id: 'cache-tag', path: `${SRC}cache-tag[.]ts$`, may: ['sources', 'leaves'] },
  { name: 'transform/', id: 'transform', path: `${SRC}transform/`, may: ['grammar', 'pipeline', 'sources', 'config-types', 'leaves'] },
  {
    name: 'http/',
    id: 'http',
    path: `${SRC}http/`,
    may: ['grammar', 'pipeline', 'sources', 'signing', 'observability', 'cache-tag', 'transform', 'config-types', 'leaves'],
  },
  // What assembles an origin from the layers: the other root files, settings, the playground, Lambda.
  { name: 'assembly', id: 'assembly', path: `${SRC}(?:[^/]+[.]ts$|settings/|playground/|lambda/)`, may: ['origin/src'] },
  // The packages in lib/ and the CLI sit on top of the origin.
  { name: 'lib/client (web-safe)', id: 'lib/client', path: '^lib/client/', may: ['grammar', 'leaves'] },
  { name: 'lib/aws', id: 'lib/aws', path: '^lib/aws/', may: ['sources', 'leaves'] },
  { name: 'lib/upload', id: 'lib/upload', path: '^lib/upload/', may: ['lib/aws', 'origin/src'] },
  { name: 'lib/invalidate', id: 'lib/invalidate', path: '^lib/invalidate/', may: ['lib/aws', 'origin/src'] },
  { name: 'lib/cdk', id: 'lib/cdk', path: '^lib/cdk/', may: ['origin/src'] },
  { name: 'bin/', id: 'bin', path: '^bin/', may: ['lib', 'origin/src'] },
];

/** Targets that are wider than one layer. */
const WIDE = { 'origin/src': SRC, lib: '^lib/' };

/**
 * Imports against the map that wait for a move outside the change that adds them, as
 * `{ layer, from, to }`: each names the fix and is allowed for its one file only. None today;
 * remove an entry once its import is gone.
 */
const EXCEPTIONS = [];

const OURS = '^(?:origin|lib|bin|tools|test|bench)/';

const asList = (path) => (Array.isArray(path) ? path : [path]);
const pathsOf = (id) => (WIDE[id] ? [WIDE[id]] : asList(LAYERS.find((layer) => layer.id === id).path));

function layerRule(layer, from, extra = []) {
  const names = layer.may.map((id) => LAYERS.find((other) => other.id === id)?.name ?? `${id}/`);
  return {
    name: `layer-${layer.id.replace('/', '-')}`,
    comment: `${layer.name} may import ${names.length ? `only itself and ${names.join(', ')}` : 'nothing of ours'} (the map in docs/architecture.md)`,
    severity: 'error',
    from,
    to: { path: OURS, pathNot: [...asList(layer.path), ...layer.may.flatMap(pathsOf), ...extra] },
  };
}

const layerRules = LAYERS.flatMap((layer) => {
  const exceptions = EXCEPTIONS.filter((exception) => exception.layer === layer.id);
  return [
    layerRule(layer, { path: asList(layer.path), pathNot: exceptions.map((exception) => exception.from) }),
    ...exceptions.map((exception) => layerRule(layer, { path: exception.from }, [exception.to])),
  ];
});

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'an import cycle: the modules in it can be neither read nor tested one at a time',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'unmapped',
      comment: 'a module in no layer of the map: add its folder to LAYERS here and to the map in docs/architecture.md',
      severity: 'error',
      from: { path: ['^origin/src/', '^lib/', '^bin/'], pathNot: LAYERS.flatMap((layer) => asList(layer.path)) },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Browser scripts served as files, and a CloudFront Function: neither imports our modules.
    exclude: { path: ['^origin/src/playground/page/', '^lib/cdk/edge/viewer-request[.]js$'] },
    tsConfig: { fileName: 'tsconfig.json' },
    // Type-only imports are arrows too: a type from a higher layer ties the lower one to it.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.cjs', '.mjs', '.d.ts', '.d.cts', '.json'],
    },
  },
};
