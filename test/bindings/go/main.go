// The Go app: the same stack as ../typescript/app.ts, built with the cdk-efa Go package that run.sh generates into
// dist/go/cdkefa (see the replace directive in go.mod). Usage: go run . OUTDIR
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
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

	cluster := awseksv2.Cluster_FromClusterAttributes(stack, jsii.String("Cluster"), &awseksv2.ClusterAttributes{
		ClusterName:            jsii.String("training"),
		Vpc:                    vpc,
		ClusterSecurityGroupId: jsii.String("sg-0123456789abcdef0"),
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

	// Values read back through the bindings: numbers, a list of structs, a string property and a token.
	// jsii hands numbers to Go as *float64; %v prints 16.0 as "16", as TypeScript's String() does.
	output(stack, "P5EfaCount", fmt.Sprintf("%v", *p5.Layout().Summary().EfaCount))
	output(stack, "P5NetworkInterfaceCount", fmt.Sprintf("%d", len(*p5.Layout().Interfaces())))
	output(stack, "B200Ipv4AddressesPerNode", fmt.Sprintf("%v", *b200.Layout().Summary().Ipv4AddressesPerNode))
	output(stack, "NodeGroupPlugin", *nodeGroup.KubernetesPlugin().Name())
	output(stack, "NodeGroupName", *nodeGroup.NodegroupName())
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
