import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import type * as iam from 'aws-cdk-lib/aws-iam';

/**
 * The managed node group settings cdk-efa passes to aws-cdk-lib's `Nodegroup` of either EKS module. The enum values
 * of aws-eks and aws-eks-v2 are the same strings.
 */
export interface NodegroupSettings {
  readonly nodegroupName?: string;
  /** What aws-cdk-lib's Nodegroup is given; the resource's `Subnets` is then set to `subnetId`. */
  readonly subnets: ec2.SubnetSelection;
  /** The one subnet, possibly the offering check's deploy-time answer. */
  readonly subnetId: string;
  readonly amiType: eksv2.NodegroupAmiType;
  readonly capacityType: eksv2.CapacityType;
  readonly instanceTypes?: ec2.InstanceType[];
  readonly minSize: number;
  readonly desiredSize: number;
  readonly maxSize: number;
  readonly labels: Record<string, string>;
  readonly taints?: eksv2.TaintSpec[];
  readonly nodeRole?: iam.IRole;
  readonly launchTemplateSpec: { readonly id: string; readonly version?: string };
}

/** A Helm chart from the eks-charts repository. */
export interface ChartSettings {
  readonly chart: string;
  readonly repository: string;
  readonly version: string;
  readonly namespace: string;
  readonly release: string;
  readonly values?: Record<string, unknown>;
}
