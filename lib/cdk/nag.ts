import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledgements for cdk-nag findings that are design decisions of these constructs. They
 * are plain construct metadata (CDK's Validations API), so cdk-nag itself is not needed to
 * build the stack; every one carries the reason the finding does not apply.
 */

export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * The id cdk-nag gives an IAM wildcard-resource finding (`AwsSolutions-IAM5[Resource::…]`),
 * built from the resource ARN the same way cdk-nag flattens CloudFormation references.
 */
export function wildcardResourceFinding(scope: IConstruct, resourceArn: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenReference(Stack.of(scope).resolve(resourceArn))}]`;
}

function flattenReference(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const record = node as Record<string, unknown>;
    if (Array.isArray(record['Fn::Join'])) {
      const [delimiter, items] = record['Fn::Join'] as [string, unknown[]];
      return items.map(flattenReference).join(delimiter);
    }
    if (record['Fn::Sub'] !== undefined) return flattenReference(record['Fn::Sub']);
    if (Array.isArray(record['Fn::GetAtt'])) {
      const [resource, attribute] = record['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
    }
    if (record['Fn::ImportValue'] !== undefined) return flattenReference(record['Fn::ImportValue']);
    if (record.Ref !== undefined) return `<${flattenReference(record.Ref)}>`;
  }
  return JSON.stringify(node);
}
