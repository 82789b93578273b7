import { Annotations, CfnResource, IAspect, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { cfnResourcesOf, logicalIdOf, templateResourceOf } from './private/l1-resources';
import { ACKNOWLEDGEMENT_METADATA, efaOnlyLaunchTemplateIds, templateFindings, TemplateFinding } from './template-rules';
import { echo, throwIfProblems } from '../core/private/errors';

/** The shortest reason an acknowledgement takes (as cdk-nag asks for). */
const MIN_REASON_LENGTH = 10;

/**
 * Options for `EfaChecks`.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
 */
export interface EfaChecksProps {
  /**
   * Report findings that would otherwise be errors as warnings, so that synthesis does not fail.
   *
   * @default false
   */
  readonly reportErrorsAsWarnings?: boolean;
}

/**
 * An aspect that finds EFA mistakes anywhere in a CDK app, including in resources cdk-efa did not create.
 *
 * Add it once: `Aspects.of(app).add(new EfaChecks())`. It reads the L1 properties of every
 * `AWS::EC2::LaunchTemplate`, `AWS::EC2::Instance`, `AWS::EKS::Nodegroup`, `AWS::EKS::Addon`,
 * `AWS::AutoScaling::AutoScalingGroup`, `AWS::Batch::ComputeEnvironment`, `AWS::Batch::JobDefinition`, security group
 * and placement group (a launch template's layout is checked against its own instance type and those of every resource
 * that launches from it; a Batch job definition's EFA devices against the layouts of the template's Batch compute
 * environments, or its instance types), and reports, each with a stable rule ID (`cdk-efa:<id>`, listed in
 * docs/errors.md):
 *
 * - errors: every layout rule EC2 enforces (`efa-only-primary`, `duplicate-interface`, `device-index-exceeds-card`,
 *   `multiple-efa-on-card`, `efa-on-ena-only-card`, `too-many-efa`, `invalid-interface-type`, …);
 *   `efa-only-address` (an IP-address field on an `efa-only` interface); `security-groups-with-network-interfaces`
 *   (`SecurityGroupIds` or `SecurityGroups` beside `NetworkInterfaces`); `security-group-missing-self-rules`;
 *   `public-ip-with-multiple-interfaces`; `placement-group-multiple-subnets`; `p4d-mixed`; `vpc-cni-too-old` (a
 *   `vpc-cni` add-on pinned below v1.18.5 in an app with `efa-only` interfaces); for Batch job definitions,
 *   `efa-device-out-of-range` (a `/dev/infiniband/uverbsN` the instances do not have), `efa-device-container-path`,
 *   `efa-device-permissions`, `fi-provider-not-efa` and `nccl-socket-ifname-efa`;
 * - warnings: `efa-underused` (fewer EFAs than the type supports, with the Gbps left unused), `efa-ip-per-card`
 *   (several `efa` interfaces, each burning an IP address), `unchecked-instance-type` (EFA interfaces with an
 *   instance type that cdk-efa does not know, or that has no EFA) and `efa-devices-unmapped` (a Batch job definition
 *   that maps fewer EFA devices than its instances have).
 *
 * The rules that do not depend on the instance type (each card/device pair once, a primary that is not `efa-only`,
 * one EFA per card, EC2 interface types, no addresses on `efa-only`) are checked even when the instance type is
 * missing, a token, unknown or not an EFA type. `cdk-efa inspect` applies the same rules to synthesized templates.
 *
 * Resources are matched by their CloudFormation type, not by class, so the L1 classes of both `aws-eks` and
 * `aws-eks-v2` (each has its own `CfnNodegroup` and `CfnAddon`) are checked. Values that are unresolved tokens (an
 * instance type from a parameter, a security group imported by ID) are skipped, not guessed. Properties set with raw
 * `addPropertyOverride`, and plain `CfnResource`s without typed properties, are not seen. Acknowledge a finding on a
 * resource or any of its parents with `EfaChecks.acknowledge(scope, ruleId, reason)`; warnings can also be
 * acknowledged with `Annotations.of(scope).acknowledgeWarning('cdk-efa:<id>')`.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/node-efa.html
 * @see https://docs.aws.amazon.com/batch/latest/userguide/efa.html
 */
export class EfaChecks implements IAspect {
  /**
   * Acknowledges a rule for `scope` and everything below it, so `EfaChecks` does not report it there.
   *
   * The acknowledgement and its reason are kept as construct metadata of `scope`, of type `cdk_efa` with data
   * `{ rules_to_acknowledge: [{ id, reason }] }` (as cdk-nag keeps its suppressions), so that they reach the cloud
   * assembly (the stack's metadata in `manifest.json`) for reviewers, and `cdk-efa inspect` honours them. Acknowledge
   * on a stack or a construct below it: metadata on the app itself is in no stack's assembly.
   *
   * @param scope the resource, or a construct above it
   * @param ruleId the rule ID, with or without the `cdk-efa:` prefix, for example `efa-underused`
   * @param reason why the finding is acceptable, at least 10 characters; recorded for reviewers
   * @throws `cdk-efa:invalid-acknowledgement` for an empty rule ID, or a reason shorter than 10 characters
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
   */
  public static acknowledge(scope: IConstruct, ruleId: string, reason: string): void {
    const id = typeof ruleId === 'string' ? ruleId.replace(/^cdk-efa:/, '') : '';
    throwIfProblems(`EfaChecks.acknowledge(${scope.node.path})`, [
      ...(id.trim() === '' ? [{ id: 'invalid-acknowledgement', message: `the rule ID is ${echo(ruleId)}; give the ID of the finding to acknowledge, for example 'efa-underused'.` }] : []),
      ...(typeof reason !== 'string' || reason.trim().length < MIN_REASON_LENGTH ? [{ id: 'invalid-acknowledgement', message: `the reason for acknowledging ${echo(ruleId)} is ${echo(reason)}; reviewers read it in the cloud assembly, so say in at least ${MIN_REASON_LENGTH} characters why the finding is acceptable.` }] : []),
    ]);
    scope.node.addMetadata(ACKNOWLEDGEMENT_METADATA, { rules_to_acknowledge: [{ id, reason }] });
  }

  private readonly reportErrorsAsWarnings: boolean;

  constructor(props: EfaChecksProps = {}) {
    this.reportErrorsAsWarnings = props.reportErrorsAsWarnings ?? false;
  }

  /**
   * Checks every stack once, when the aspect reaches it.
   *
   * @param node the construct the aspect visits
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
   */
  public visit(node: IConstruct): void {
    if (!Stack.isStack(node)) {
      return;
    }
    const resources = cfnResourcesOf(node);
    const byLogicalId = new Map(resources.map((r) => [logicalIdOf(r), r]));
    const findings = templateFindings(resources.map(templateResourceOf), {
      nameOf: (logicalId) => byLogicalId.get(logicalId)?.node.path ?? logicalId,
      efaOnlyLaunchTemplates: () => efaOnlyLaunchTemplatePaths(node.node.root),
    });
    for (const finding of findings) {
      this.report(byLogicalId.get(finding.logicalId)!, finding);
    }
  }

  private report(resource: CfnResource, finding: TemplateFinding): void {
    if (isAcknowledged(resource, finding.id)) {
      return;
    }
    if (finding.severity === 'error' && !this.reportErrorsAsWarnings) {
      Annotations.of(resource).addError(`${finding.message} [cdk-efa:${finding.id}]`);
    } else {
      Annotations.of(resource).addWarningV2(`cdk-efa:${finding.id}`, finding.message);
    }
  }
}

/** Whether a rule is acknowledged on the resource or a construct above it (see `EfaChecks.acknowledge`). */
function isAcknowledged(resource: CfnResource, ruleId: string): boolean {
  return resource.node.scopes.some((scope) => scope.node.metadata
    .filter((entry) => entry.type === ACKNOWLEDGEMENT_METADATA)
    .some((entry) => {
      const rules: unknown = entry.data?.rules_to_acknowledge;
      return Array.isArray(rules) && rules.some((rule) => rule?.id === ruleId);
    }));
}

/** The paths of the launch templates, in every stack under `root`, that have an `efa-only` interface. */
function efaOnlyLaunchTemplatePaths(root: IConstruct): string[] {
  const stacks = root.node.findAll().filter((c): c is Stack => Stack.isStack(c));
  return stacks.flatMap((stack) => {
    const resources = cfnResourcesOf(stack).filter((r) => r.cfnResourceType === 'AWS::EC2::LaunchTemplate');
    const byLogicalId = new Map(resources.map((r) => [logicalIdOf(r), r]));
    return efaOnlyLaunchTemplateIds(resources.map(templateResourceOf)).map((id) => byLogicalId.get(id)!.node.path);
  });
}
