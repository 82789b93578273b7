"""The Python app: the same stack as ../typescript/app.ts, built with the cdk-efa wheel.

Usage: python app.py OUTDIR
"""
import sys

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from cdk_efa import (
    EfaCluster,
    EfaKubernetesPlugin,
    EfaLaunchTemplate,
    EfaNodeGroup,
    EfaPlacement,
    EfaSecurityGroup,
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

    cluster = eks.Cluster.from_cluster_attributes(
        stack,
        "Cluster",
        cluster_name="training",
        vpc=vpc,
        cluster_security_group_id="sg-0123456789abcdef0",
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

    # Values read back through the bindings: numbers, a list of structs, a string property and a token.
    cdk.CfnOutput(stack, "P5EfaCount", value=str(p5.layout.summary.efa_count))
    cdk.CfnOutput(stack, "P5NetworkInterfaceCount", value=str(len(p5.layout.interfaces)))
    cdk.CfnOutput(stack, "B200Ipv4AddressesPerNode", value=str(b200.layout.summary.ipv4_addresses_per_node))
    cdk.CfnOutput(stack, "NodeGroupPlugin", value=node_group.kubernetes_plugin.name)
    cdk.CfnOutput(stack, "NodeGroupName", value=node_group.nodegroup_name)
    return app


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python app.py OUTDIR")
    build_app(sys.argv[1]).synth()
