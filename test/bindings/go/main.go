// The Go app: the same stack as ../typescript/app.ts, built with the cdk-efa Go package that run.sh generates into
// dist/go/cdkefa (see the replace directive in go.mod). Usage: go run . OUTDIR
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk-efa/cdk-efa-go/cdkefa"
)

// buildApp builds the bindings stack, CdkEfaBindings (environment-agnostic), in an app that synthesizes to outdir.
func buildApp(outdir string) awscdk.App {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir)})
	stack := awscdk.NewStack(app, jsii.String("CdkEfaBindings"), &awscdk.StackProps{
		StackName: jsii.String("cdk-efa-bindings"),
	})

	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		MaxAzs:      jsii.Number(2),
		NatGateways: jsii.Number(1),
	})

	efaSecurityGroup := cdkefa.NewEfaSecurityGroup(stack, jsii.String("EfaSecurityGroup"), &cdkefa.EfaSecurityGroupProps{
		Vpc:              vpc,
		AllowAllOutbound: jsii.Bool(false),
	})
	efaSecurityGroup.Connections().AllowFrom(awsec2.Peer_Ipv4(jsii.String("10.0.0.0/16")), awsec2.Port_Tcp(jsii.Number(22)), nil)

	// 16 EFAs spread over the 32 cards, extra ENAs on cards 4 and 8, the shared security group, a bigger root volume.
	p5 := cdkefa.NewEfaLaunchTemplate(stack, jsii.String("P5"), &cdkefa.EfaLaunchTemplateProps{
		InstanceType:      awsec2.NewInstanceType(jsii.String("p5.48xlarge")),
		SecurityGroup:     efaSecurityGroup,
		EfaCount:          jsii.Number(16),
		Profile:           cdkefa.LayoutProfile_EnaOnCards(jsii.Numbers(4, 8)),
		RootVolumeSizeGiB: jsii.Number(200),
	})

	// AWS "use case 2" with an `efa` primary, its own security group, and no placement group.
	b200 := cdkefa.NewEfaLaunchTemplate(stack, jsii.String("B200"), &cdkefa.EfaLaunchTemplateProps{
		InstanceType:     awsec2.NewInstanceType(jsii.String("p6-b200.48xlarge")),
		Vpc:              vpc,
		Profile:          cdkefa.LayoutProfile_MAX_BANDWIDTH(),
		PrimaryInterface: cdkefa.PrimaryInterface_EFA,
		Placement:        cdkefa.EfaPlacement_None(),
	})

	// The cluster's existing kubectl provider, imported (no Lambda or layer in this app): the Karpenter pool applies its
	// EC2NodeClass and NodePool through it.
	cluster := awseksv2.Cluster_FromClusterAttributes(stack, jsii.String("Cluster"), &awseksv2.ClusterAttributes{
		ClusterName:            jsii.String("training"),
		Vpc:                    vpc,
		ClusterSecurityGroupId: jsii.String("sg-0123456789abcdef0"),
		KubectlProvider: awseksv2.KubectlProvider_FromKubectlProviderAttributes(stack, jsii.String("KubectlProvider"),
			&awseksv2.KubectlProviderAttributes{
				ServiceToken: jsii.String("arn:aws:lambda:us-east-1:111122223333:function:training-kubectl-provider"),
			}),
	})
	nodeGroup := cdkefa.NewEfaNodeGroup(stack, jsii.String("P5NodeGroup"), &cdkefa.EfaNodeGroupProps{
		Cluster:          cdkefa.EfaCluster_FromClusterV2(cluster),
		InstanceTypes:    &[]awsec2.InstanceType{awsec2.NewInstanceType(jsii.String("p5.48xlarge"))},
		Subnet:           (*vpc.PrivateSubnets())[0],
		KubernetesPlugin: cdkefa.EfaKubernetesPlugin_NONE(),
		MinSize:          jsii.Number(2),
		MaxSize:          jsii.Number(4),
		Labels:           &map[string]*string{"team": jsii.String("training")},
		Taints: &[]*awseksv2.TaintSpec{{
			Key:    jsii.String("nvidia.com/gpu"),
			Value:  jsii.String("true"),
			Effect: awseksv2.TaintEffect_NO_SCHEDULE,
		}},
	})

	// A Karpenter EC2NodeClass and NodePool for p5.48xlarge on the same cluster, applied as one manifest, with the
	// offering check; the device plugin is left to the node group's owner (NONE, so no Helm chart).
	pool := cdkefa.NewEfaKarpenterNodePool(stack, jsii.String("P5KarpenterPool"), &cdkefa.EfaKarpenterNodePoolProps{
		Cluster:          cdkefa.EfaCluster_FromClusterV2(cluster),
		InstanceTypes:    &[]awsec2.InstanceType{awsec2.NewInstanceType(jsii.String("p5.48xlarge"))},
		Role:             awsiam.Role_FromRoleName(stack, jsii.String("KarpenterNodeRole"), jsii.String("KarpenterNodeRole-training"), nil),
		Subnet:           (*vpc.PrivateSubnets())[1],
		KubernetesPlugin: cdkefa.EfaKubernetesPlugin_NONE(),
		CapacityTypes:    &[]cdkefa.KarpenterCapacityType{cdkefa.KarpenterCapacityType_ON_DEMAND, cdkefa.KarpenterCapacityType_SPOT},
		Labels:           &map[string]*string{"team": jsii.String("training")},
		Taints: &[]*awseksv2.TaintSpec{{
			Key:    jsii.String("nvidia.com/gpu"),
			Value:  jsii.String("true"),
			Effect: awseksv2.TaintEffect_NO_SCHEDULE,
		}},
		Limits: &map[string]*string{"nvidia.com/gpu": jsii.String("64")},
	})

	// A self-managed p5 fleet in one private subnet with the shared security group, an SSH group on its IP interfaces,
	// the default AL2023 image (an SSM parameter) and no offering check.
	sshSecurityGroup := awsec2.NewSecurityGroup(stack, jsii.String("SshSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:         vpc,
		Description: jsii.String("SSH from the VPC"),
	})
	sshSecurityGroup.AddIngressRule(awsec2.Peer_Ipv4(jsii.String("10.0.0.0/16")), awsec2.Port_Tcp(jsii.Number(22)), nil, nil)
	fleet := cdkefa.NewEfaAutoScalingGroup(stack, jsii.String("P5Fleet"), &cdkefa.EfaAutoScalingGroupProps{
		Vpc:                      vpc,
		InstanceType:             awsec2.NewInstanceType(jsii.String("p5.48xlarge")),
		Subnet:                   (*vpc.PrivateSubnets())[0],
		SecurityGroup:            efaSecurityGroup,
		AdditionalSecurityGroups: &[]awsec2.ISecurityGroup{sshSecurityGroup},
		EfaCount:                 jsii.Number(16),
		OfferingCheck:            jsii.Bool(false),
		MinCapacity:              jsii.Number(2),
		MaxCapacity:              jsii.Number(4),
		RootVolumeSizeGiB:        jsii.Number(200),
	})

	// Values read back through the bindings: numbers, a list of structs, a string property and a token.
	// jsii hands numbers to Go as *float64; %v prints 16.0 as "16", as TypeScript's String() does.
	output(stack, "P5EfaCount", fmt.Sprintf("%v", *p5.Layout().Summary().EfaCount))
	output(stack, "P5NetworkInterfaceCount", fmt.Sprintf("%d", len(*p5.Layout().Interfaces())))
	output(stack, "B200Ipv4AddressesPerNode", fmt.Sprintf("%v", *b200.Layout().Summary().Ipv4AddressesPerNode))
	output(stack, "NodeGroupPlugin", *nodeGroup.KubernetesPlugin().Name())
	output(stack, "NodeGroupName", *nodeGroup.NodegroupName())
	output(stack, "KarpenterNodePoolName", *pool.NodePoolName())
	output(stack, "KarpenterNetworkInterfaceCount", fmt.Sprintf("%d", len(*pool.NetworkInterfaces())))
	output(stack, "KarpenterSubnetId", *pool.SubnetId())
	output(stack, "FleetMaxCapacity", fmt.Sprintf("%v", *fleet.MaxCapacity()))
	output(stack, "FleetEfaCount", fmt.Sprintf("%v", *fleet.Layout().Summary().EfaCount))
	output(stack, "FleetAutoScalingGroupName", *fleet.AutoScalingGroup().AutoScalingGroupName())
	return app
}

func output(stack awscdk.Stack, id string, value string) {
	awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: jsii.String(value)})
}

func main() {
	defer jsii.Close()
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run . OUTDIR")
		os.Exit(2)
	}
	buildApp(os.Args[1]).Synth(nil)
}
