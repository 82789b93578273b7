import { CfnSecurityGroupEgress, CfnSecurityGroupIngress, ISecurityGroup, IVpc, SecurityGroup } from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

const SELF_INGRESS_ID = 'EfaSelfIngress';
const SELF_EGRESS_ID = 'EfaSelfEgress';

/**
 * Properties of an `EfaSecurityGroup`.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-start.html#efa-start-security
 */
export interface EfaSecurityGroupProps {
  /** The VPC the security group belongs to. Every EFA node of one fleet must be in one subnet of it. */
  readonly vpc: IVpc;

  /**
   * A description of the security group.
   *
   * @default 'EFA: all traffic to and from members of this group'
   */
  readonly description?: string;

  /**
   * The physical name of the security group.
   *
   * @default - a name CloudFormation generates
   */
  readonly securityGroupName?: string;

  /**
   * Whether to allow all outbound traffic to any address (an egress rule to 0.0.0.0/0).
   *
   * Either way the group keeps its self egress rule, which EFA needs: an egress rule to 0.0.0.0/0 does not cover EFA
   * OS-bypass traffic.
   *
   * @default true
   */
  readonly allowAllOutbound?: boolean;
}

/**
 * A security group for EFA: all traffic (IP protocol `-1`) in from itself and out to itself.
 *
 * EFA OS-bypass traffic needs both rules; without the self egress rule NCCL and libfabric fail at run time. The
 * self rules are separate `AWS::EC2::SecurityGroupIngress` and `AWS::EC2::SecurityGroupEgress` resources, so they
 * exist whether `allowAllOutbound` is true or false (aws-cdk-lib's `addEgressRule` drops egress rules when
 * `allowAllOutbound` is true). The group never opens ingress from a CIDR; add your own rules with `connections`.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-start.html#efa-start-security
 */
export class EfaSecurityGroup extends SecurityGroup {
  /**
   * Makes an existing security group EFA-ready: adds the self ingress and self egress rules for all traffic.
   *
   * The rules are created as children of `securityGroup`, as separate CloudFormation resources; calling this twice on
   * one group adds them once. For an imported group (`SecurityGroup.fromSecurityGroupId`), import it with
   * `mutable: true` (the default) and make sure it does not already have the same rules, or CloudFormation reports
   * a duplicate rule.
   *
   * @param securityGroup the group to make EFA-ready
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-start.html#efa-start-security
   */
  public static addEfaRules(securityGroup: ISecurityGroup): void {
    const groupId = securityGroup.securityGroupId;
    const description = 'EFA: all traffic from members of this security group';
    if (securityGroup.node.tryFindChild(SELF_INGRESS_ID) === undefined) {
      new CfnSecurityGroupIngress(securityGroup, SELF_INGRESS_ID, {
        groupId,
        sourceSecurityGroupId: groupId,
        ipProtocol: '-1',
        description,
      });
    }
    if (securityGroup.node.tryFindChild(SELF_EGRESS_ID) === undefined) {
      new CfnSecurityGroupEgress(securityGroup, SELF_EGRESS_ID, {
        groupId,
        destinationSecurityGroupId: groupId,
        ipProtocol: '-1',
        description: 'EFA: all traffic to members of this security group',
      });
    }
  }

  /**
   * Whether `securityGroup` has the EFA self rules, added by `EfaSecurityGroup` or `EfaSecurityGroup.addEfaRules`
   * in this app.
   *
   * Returns false for a group whose rules were made outside this CDK app; cdk-efa cannot see those.
   *
   * @param securityGroup the group to check
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-start.html#efa-start-security
   */
  public static hasEfaRules(securityGroup: ISecurityGroup): boolean {
    return securityGroup.node.tryFindChild(SELF_INGRESS_ID) !== undefined
      && securityGroup.node.tryFindChild(SELF_EGRESS_ID) !== undefined;
  }

  constructor(scope: Construct, id: string, props: EfaSecurityGroupProps) {
    super(scope, id, {
      vpc: props.vpc,
      description: props.description ?? 'EFA: all traffic to and from members of this group',
      securityGroupName: props.securityGroupName,
      allowAllOutbound: props.allowAllOutbound ?? true,
    });
    EfaSecurityGroup.addEfaRules(this);
  }
}
