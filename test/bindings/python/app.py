"""The Python app: the same stack as ../typescript/app.ts, built with the cdk-efa wheel.

Usage: python app.py OUTDIR
"""
import sys

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from cdk_efa import (
    EfaAutoScalingGroup,
    EfaCluster,
    EfaKarpenterNodePool,
    EfaKubernetesPlugin,
    EfaLaunchTemplate,
    EfaNodeGroup,
    EfaPlacement,
    EfaSecurityGroup,
    KarpenterCapacityType,
    LayoutProfile,
    PrimaryInterface,
)


def build_app(outdir: str) -> cdk.App:
    """Builds the bindings stack, CdkEfaBindings (environment-agnostic), in an app that synthesizes to `outdir`."""
    app = cdk.App(outdir=outdir)
    stack = cdk.Stack(app, "CdkEfaBindings", stack_name="cdk-efa-bindings")

    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)

    efa_security_group = EfaSecurityGroup(stack, "EfaSecurityGroup", vpc=vpc, allow_all_outbound=False)
    efa_security_group.connections.allow_from(ec2.Peer.ipv4("10.0.0.0/16"), ec2.Port.tcp(22))

    # 16 EFAs spread over the 32 cards, extra ENAs on cards 4 and 8, the shared security group, a bigger root volume.
    p5 = EfaLaunchTemplate(
        stack,
        "P5",
        instance_type=ec2.InstanceType("p5.48xlarge"),
        security_group=efa_security_group,
        efa_count=16,
        profile=LayoutProfile.ena_on_cards([4, 8]),
        root_volume_size_gib=200,
    )

    # AWS "use case 2" with an `efa` primary, its own security group, and no placement group.
    b200 = EfaLaunchTemplate(
        stack,
        "B200",
        instance_type=ec2.InstanceType("p6-b200.48xlarge"),
        vpc=vpc,
        profile=LayoutProfile.MAX_BANDWIDTH,
        primary_interface=PrimaryInterface.EFA,
        placement=EfaPlacement.none(),
    )

    # The cluster's existing kubectl provider, imported (no Lambda or layer in this app): the Karpenter pool applies its
    # EC2NodeClass and NodePool through it.
    cluster = eks.Cluster.from_cluster_attributes(
        stack,
        "Cluster",
        cluster_name="training",
        vpc=vpc,
        cluster_security_group_id="sg-0123456789abcdef0",
        kubectl_provider=eks.KubectlProvider.from_kubectl_provider_attributes(
            stack,
            "KubectlProvider",
            service_token="arn:aws:lambda:us-east-1:111122223333:function:training-kubectl-provider",
        ),
    )
    node_group = EfaNodeGroup(
        stack,
        "P5NodeGroup",
        cluster=EfaCluster.from_cluster_v2(cluster),
        instance_types=[ec2.InstanceType("p5.48xlarge")],
        subnet=vpc.private_subnets[0],
        kubernetes_plugin=EfaKubernetesPlugin.NONE,
        min_size=2,
        max_size=4,
        labels={"team": "training"},
        taints=[eks.TaintSpec(key="nvidia.com/gpu", value="true", effect=eks.TaintEffect.NO_SCHEDULE)],
    )

    # A Karpenter EC2NodeClass and NodePool for p5.48xlarge on the same cluster, applied as one manifest, with the
    # offering check; the device plugin is left to the node group's owner (NONE, so no Helm chart).
    pool = EfaKarpenterNodePool(
        stack,
        "P5KarpenterPool",
        cluster=EfaCluster.from_cluster_v2(cluster),
        instance_types=[ec2.InstanceType("p5.48xlarge")],
        role=iam.Role.from_role_name(stack, "KarpenterNodeRole", "KarpenterNodeRole-training"),
        subnet=vpc.private_subnets[1],
        kubernetes_plugin=EfaKubernetesPlugin.NONE,
        capacity_types=[KarpenterCapacityType.ON_DEMAND, KarpenterCapacityType.SPOT],
        labels={"team": "training"},
        taints=[eks.TaintSpec(key="nvidia.com/gpu", value="true", effect=eks.TaintEffect.NO_SCHEDULE)],
        limits={"nvidia.com/gpu": "64"},
    )

    # A self-managed p5 fleet in one private subnet with the shared security group, an SSH group on its IP interfaces,
    # the default AL2023 image (an SSM parameter) and no offering check.
    ssh_security_group = ec2.SecurityGroup(stack, "SshSecurityGroup", vpc=vpc, description="SSH from the VPC")
    ssh_security_group.add_ingress_rule(ec2.Peer.ipv4("10.0.0.0/16"), ec2.Port.tcp(22))
    fleet = EfaAutoScalingGroup(
        stack,
        "P5Fleet",
        vpc=vpc,
        instance_type=ec2.InstanceType("p5.48xlarge"),
        subnet=vpc.private_subnets[0],
        security_group=efa_security_group,
        additional_security_groups=[ssh_security_group],
        efa_count=16,
        offering_check=False,
        min_capacity=2,
        max_capacity=4,
        root_volume_size_gib=200,
    )

    # Values read back through the bindings: numbers, a list of structs, a string property and a token.
    cdk.CfnOutput(stack, "P5EfaCount", value=str(p5.layout.summary.efa_count))
    cdk.CfnOutput(stack, "P5NetworkInterfaceCount", value=str(len(p5.layout.interfaces)))
    cdk.CfnOutput(stack, "B200Ipv4AddressesPerNode", value=str(b200.layout.summary.ipv4_addresses_per_node))
    cdk.CfnOutput(stack, "NodeGroupPlugin", value=node_group.kubernetes_plugin.name)
    cdk.CfnOutput(stack, "NodeGroupName", value=node_group.nodegroup_name)
    cdk.CfnOutput(stack, "KarpenterNodePoolName", value=pool.node_pool_name)
    cdk.CfnOutput(stack, "KarpenterNetworkInterfaceCount", value=str(len(pool.network_interfaces)))
    cdk.CfnOutput(stack, "KarpenterSubnetId", value=pool.subnet_id)
    cdk.CfnOutput(stack, "FleetMaxCapacity", value=str(fleet.max_capacity))
    cdk.CfnOutput(stack, "FleetEfaCount", value=str(fleet.layout.summary.efa_count))
    cdk.CfnOutput(stack, "FleetAutoScalingGroupName", value=fleet.auto_scaling_group.auto_scaling_group_name)
    return app


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python app.py OUTDIR")
    build_app(sys.argv[1]).synth()
