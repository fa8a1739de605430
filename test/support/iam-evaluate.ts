/**
 * A small evaluator of synthesised IAM policy statements, enough to ask "would this request be
 * allowed?" of a template: Action/NotAction with `*` and `?` wildcards (case-insensitive),
 * Resource/NotResource with wildcards (case-sensitive), the condition operators our policies
 * use, and explicit Deny over Allow. CloudFormation intrinsics in resources are resolved from a
 * caller-given table; anything it cannot resolve throws, so a test never passes by accident.
 */

export interface PolicyStatement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export interface AccessRequest {
  readonly action: string;
  readonly resource: string;
  /** Request context keys, e.g. `s3:prefix`, `aws:SecureTransport`. */
  readonly context?: Readonly<Record<string, string>>;
}

/** Values for `Ref` and `Fn::GetAtt` (keyed `LogicalId.Attribute`) met in resource ARNs. */
export type Intrinsics = Readonly<Record<string, string>>;

export function resolveIntrinsic(value: unknown, intrinsics: Intrinsics): string {
  if (typeof value === 'string') return value;
  const node = value as Record<string, unknown>;
  if (typeof node.Ref === 'string') return lookup(node.Ref, intrinsics);
  if (Array.isArray(node['Fn::GetAtt'])) return lookup((node['Fn::GetAtt'] as string[]).join('.'), intrinsics);
  if (Array.isArray(node['Fn::Join'])) {
    const [delimiter, parts] = node['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => resolveIntrinsic(part, intrinsics)).join(delimiter);
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

function lookup(name: string, intrinsics: Intrinsics): string {
  const found = intrinsics[name];
  if (found === undefined) throw new Error(`no value for ${name}`);
  return found;
}

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function wildcard(pattern: string, caseInsensitive: boolean): RegExp {
  const body = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, caseInsensitive ? 'i' : '');
}

function matchesAction(statement: PolicyStatement, action: string): boolean {
  if (statement.NotAction !== undefined) return !list(statement.NotAction).some((p) => wildcard(p, true).test(action));
  return list(statement.Action).some((p) => wildcard(p, true).test(action));
}

function matchesResource(statement: PolicyStatement, resource: string, intrinsics: Intrinsics): boolean {
  const patterns = (value: unknown) => list(value as unknown[]).map((r) => resolveIntrinsic(r, intrinsics));
  if (statement.NotResource !== undefined) return !patterns(statement.NotResource).some((p) => wildcard(p, false).test(resource));
  return patterns(statement.Resource).some((p) => wildcard(p, false).test(resource));
}

/** Every condition block must hold; a key missing from the request context fails its test. */
function conditionsHold(statement: PolicyStatement, context: Readonly<Record<string, string>>): boolean {
  return Object.entries(statement.Condition ?? {}).every(([operator, tests]) =>
    Object.entries(tests).every(([key, expected]) => {
      const actual = context[key];
      if (actual === undefined) return false;
      const values = list(expected).map(String);
      switch (operator) {
        case 'StringEquals':
          return values.includes(actual);
        case 'StringLike':
          return values.some((v) => wildcard(v, false).test(actual));
        case 'Bool':
          return values.some((v) => v.toLowerCase() === actual.toLowerCase());
        case 'NumericLessThan':
          return values.some((v) => Number(actual) < Number(v));
        default:
          throw new Error(`condition operator ${operator} is not supported by this evaluator`);
      }
    }),
  );
}

/** Allowed when some Allow statement matches and no Deny statement does. */
export function isAllowed(statements: readonly PolicyStatement[], request: AccessRequest, intrinsics: Intrinsics): boolean {
  const applies = (s: PolicyStatement) =>
    matchesAction(s, request.action) && matchesResource(s, request.resource, intrinsics) && conditionsHold(s, request.context ?? {});
  if (statements.some((s) => s.Effect === 'Deny' && applies(s))) return false;
  return statements.some((s) => s.Effect === 'Allow' && applies(s));
}
