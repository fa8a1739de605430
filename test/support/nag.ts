/**
 * cdk-nag's AwsSolutions pack over a construct tree: what it finds, and the acknowledgements the
 * constructs recorded (lib/cdk/nag.ts), so a test can check each acknowledgement matches a finding.
 */
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

export interface NagFinding {
  rule: string;
  path: string;
}

export interface NagAcknowledgement extends NagFinding {
  reason: string;
}

/** AwsSolutions findings in `scope`; with `honourAcknowledgements` off, every finding, acknowledged or not. */
export function nagFindings(scope: IConstruct, honourAcknowledgements: boolean): NagFinding[] {
  const pack = new AwsSolutionsChecks();
  if (!honourAcknowledgements) {
    // Every finding, acknowledged or not: the baseline the acknowledgements are checked against.
    (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  }
  return pack
    .validateScope(scope)
    .violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => ({ rule: violation.ruleName, path: resource.constructPath ?? resource.resourceLogicalId ?? '' })),
    );
}

/** The AwsSolutions acknowledgements recorded anywhere in `scope`, with their reasons. */
export function nagAcknowledgements(scope: IConstruct): NagAcknowledgement[] {
  return (
    scope.node
      .findAll()
      .flatMap((construct) =>
        construct.node.metadata
          .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((entry) =>
            Object.entries(entry.data as Record<string, string>).map(([rule, reason]) => ({
              rule: rule.replace(/^annotation::/i, ''),
              path: construct.node.path,
              reason,
            })),
          ),
      )
      // aws-cdk-lib records acknowledgements of its own (CloudFormation-Validate::…); these are ours.
      .filter((ack) => ack.rule.startsWith('AwsSolutions-'))
  );
}
