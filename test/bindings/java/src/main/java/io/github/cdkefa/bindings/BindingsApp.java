package io.github.cdkefa.bindings;

import io.github.cdkefa.EfaAutoScalingGroup;
import io.github.cdkefa.EfaCluster;
import io.github.cdkefa.EfaKarpenterNodePool;
import io.github.cdkefa.EfaKubernetesPlugin;
import io.github.cdkefa.EfaLaunchTemplate;
import io.github.cdkefa.EfaNodeGroup;
import io.github.cdkefa.EfaPlacement;
import io.github.cdkefa.EfaSecurityGroup;
import io.github.cdkefa.KarpenterCapacityType;
import io.github.cdkefa.LayoutProfile;
import io.github.cdkefa.PrimaryInterface;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.App;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ec2.ISubnet;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.eks_v2.Cluster;
import software.amazon.awscdk.services.eks_v2.ClusterAttributes;
import software.amazon.awscdk.services.eks_v2.ICluster;
import software.amazon.awscdk.services.eks_v2.KubectlProvider;
import software.amazon.awscdk.services.eks_v2.KubectlProviderAttributes;
import software.amazon.awscdk.services.eks_v2.TaintEffect;
import software.amazon.awscdk.services.eks_v2.TaintSpec;
import software.amazon.awscdk.services.iam.Role;

/** The Java app: the same stack as ../typescript/app.ts, built with the cdk-efa jar. Usage: BindingsApp OUTDIR */
public final class BindingsApp {
    private BindingsApp() {
    }

    /** Builds the bindings stack, CdkEfaBindings (environment-agnostic), in an app that synthesizes to outdir. */
    public static App buildApp(final String outdir) {
        App app = App.Builder.create().outdir(outdir).build();
        Stack stack = new Stack(app, "CdkEfaBindings", StackProps.builder().stackName("cdk-efa-bindings").build());

        Vpc vpc = Vpc.Builder.create(stack, "Vpc").maxAzs(2).natGateways(1).build();

        EfaSecurityGroup efaSecurityGroup = EfaSecurityGroup.Builder.create(stack, "EfaSecurityGroup")
                .vpc(vpc)
                .allowAllOutbound(false)
                .build();
        efaSecurityGroup.getConnections().allowFrom(Peer.ipv4("10.0.0.0/16"), Port.tcp(22));

        // 16 EFAs spread over the 32 cards, extra ENAs on cards 4 and 8, the shared security group, a bigger root
        // volume.
        EfaLaunchTemplate p5 = EfaLaunchTemplate.Builder.create(stack, "P5")
                .instanceType(new InstanceType("p5.48xlarge"))
                .securityGroup(efaSecurityGroup)
                .efaCount(16)
                .profile(LayoutProfile.enaOnCards(List.of(4, 8)))
                .rootVolumeSizeGiB(200)
                .build();

        // AWS "use case 2" with an `efa` primary, its own security group, and no placement group.
        EfaLaunchTemplate b200 = EfaLaunchTemplate.Builder.create(stack, "B200")
                .instanceType(new InstanceType("p6-b200.48xlarge"))
                .vpc(vpc)
                .profile(LayoutProfile.MAX_BANDWIDTH)
                .primaryInterface(PrimaryInterface.EFA)
                .placement(EfaPlacement.none())
                .build();

        // The cluster's existing kubectl provider, imported (no Lambda or layer in this app): the Karpenter pool applies
        // its EC2NodeClass and NodePool through it.
        ICluster cluster = Cluster.fromClusterAttributes(stack, "Cluster", ClusterAttributes.builder()
                .clusterName("training")
                .vpc(vpc)
                .clusterSecurityGroupId("sg-0123456789abcdef0")
                .kubectlProvider(KubectlProvider.fromKubectlProviderAttributes(stack, "KubectlProvider",
                        KubectlProviderAttributes.builder()
                                .serviceToken("arn:aws:lambda:us-east-1:111122223333:function:training-kubectl-provider")
                                .build()))
                .build());
        ISubnet subnet = vpc.getPrivateSubnets().get(0);
        EfaNodeGroup nodeGroup = EfaNodeGroup.Builder.create(stack, "P5NodeGroup")
                .cluster(EfaCluster.fromClusterV2(cluster))
                .instanceTypes(List.of(new InstanceType("p5.48xlarge")))
                .subnet(subnet)
                .kubernetesPlugin(EfaKubernetesPlugin.NONE)
                .minSize(2)
                .maxSize(4)
                .labels(Map.of("team", "training"))
                .taints(List.of(TaintSpec.builder()
                        .key("nvidia.com/gpu")
                        .value("true")
                        .effect(TaintEffect.NO_SCHEDULE)
                        .build()))
                .build();

        // A Karpenter EC2NodeClass and NodePool for p5.48xlarge on the same cluster, applied as one manifest, with the
        // offering check; the device plugin is left to the node group's owner (NONE, so no Helm chart).
        EfaKarpenterNodePool pool = EfaKarpenterNodePool.Builder.create(stack, "P5KarpenterPool")
                .cluster(EfaCluster.fromClusterV2(cluster))
                .instanceTypes(List.of(new InstanceType("p5.48xlarge")))
                .role(Role.fromRoleName(stack, "KarpenterNodeRole", "KarpenterNodeRole-training"))
                .subnet(vpc.getPrivateSubnets().get(1))
                .kubernetesPlugin(EfaKubernetesPlugin.NONE)
                .capacityTypes(List.of(KarpenterCapacityType.ON_DEMAND, KarpenterCapacityType.SPOT))
                .labels(Map.of("team", "training"))
                .taints(List.of(TaintSpec.builder()
                        .key("nvidia.com/gpu")
                        .value("true")
                        .effect(TaintEffect.NO_SCHEDULE)
                        .build()))
                .limits(Map.of("nvidia.com/gpu", "64"))
                .build();

        // A self-managed p5 fleet in one private subnet with the shared security group, an SSH group on its IP
        // interfaces, the default AL2023 image (an SSM parameter) and no offering check.
        SecurityGroup sshSecurityGroup = SecurityGroup.Builder.create(stack, "SshSecurityGroup")
                .vpc(vpc)
                .description("SSH from the VPC")
                .build();
        sshSecurityGroup.addIngressRule(Peer.ipv4("10.0.0.0/16"), Port.tcp(22));
        EfaAutoScalingGroup fleet = EfaAutoScalingGroup.Builder.create(stack, "P5Fleet")
                .vpc(vpc)
                .instanceType(new InstanceType("p5.48xlarge"))
                .subnet(subnet)
                .securityGroup(efaSecurityGroup)
                .additionalSecurityGroups(List.of(sshSecurityGroup))
                .efaCount(16)
                .offeringCheck(false)
                .minCapacity(2)
                .maxCapacity(4)
                .rootVolumeSizeGiB(200)
                .build();

        // Values read back through the bindings: numbers, a list of structs, a string property and a token.
        // jsii hands numbers to Java as java.lang.Number (an Integer for whole numbers); intValue() keeps "16", never
        // "16.0", whatever the runtime picks.
        output(stack, "P5EfaCount", String.valueOf(p5.getLayout().getSummary().getEfaCount().intValue()));
        output(stack, "P5NetworkInterfaceCount", String.valueOf(p5.getLayout().getInterfaces().size()));
        output(stack, "B200Ipv4AddressesPerNode",
                String.valueOf(b200.getLayout().getSummary().getIpv4AddressesPerNode().intValue()));
        output(stack, "NodeGroupPlugin", nodeGroup.getKubernetesPlugin().getName());
        output(stack, "NodeGroupName", nodeGroup.getNodegroupName());
        output(stack, "KarpenterNodePoolName", pool.getNodePoolName());
        output(stack, "KarpenterNetworkInterfaceCount", String.valueOf(pool.getNetworkInterfaces().size()));
        output(stack, "KarpenterSubnetId", pool.getSubnetId());
        output(stack, "FleetMaxCapacity", String.valueOf(fleet.getMaxCapacity().intValue()));
        output(stack, "FleetEfaCount", String.valueOf(fleet.getLayout().getSummary().getEfaCount().intValue()));
        output(stack, "FleetAutoScalingGroupName", fleet.getAutoScalingGroup().getAutoScalingGroupName());
        return app;
    }

    private static void output(final Stack stack, final String id, final String value) {
        CfnOutput.Builder.create(stack, id).value(value).build();
    }

    public static void main(final String[] args) {
        if (args.length != 1) {
            System.err.println("usage: BindingsApp OUTDIR");
            System.exit(2);
        }
        buildApp(args[0]).synth();
    }
}
