import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { EfaSecurityGroup } from '../../src';

function setup() {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 });
  return { stack, vpc };
}

const SELF = (id: string) => ({ 'Fn::GetAtt': [id, 'GroupId'] });

describe('EfaSecurityGroup', () => {
  test.each([true, false, undefined])('allows all traffic in from and out to itself with allowAllOutbound %p', (allowAllOutbound) => {
    const { stack, vpc } = setup();
    const sg = new EfaSecurityGroup(stack, 'Efa', { vpc, allowAllOutbound });
    const template = Template.fromStack(stack);
    const id = stack.getLogicalId(sg.node.defaultChild as ec2.CfnSecurityGroup);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: SELF(id), SourceSecurityGroupId: SELF(id), IpProtocol: '-1',
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: SELF(id), DestinationSecurityGroupId: SELF(id), IpProtocol: '-1',
    });
  });

  test('allowAllOutbound defaults to true and false removes the 0.0.0.0/0 egress', () => {
    const { stack, vpc } = setup();
    const open = new EfaSecurityGroup(stack, 'Open', { vpc });
    const closed = new EfaSecurityGroup(stack, 'Closed', { vpc, allowAllOutbound: false });
    const template = Template.fromStack(stack);
    const groups = template.findResources('AWS::EC2::SecurityGroup');
    const holdsAnyIpv4 = (id: string) => JSON.stringify([
      groups[id].Properties.SecurityGroupEgress ?? [],
      template.findResources('AWS::EC2::SecurityGroupEgress', { Properties: { GroupId: SELF(id) } }),
    ]).includes('0.0.0.0/0');
    const [openId, closedId] = [open, closed].map((g) => stack.getLogicalId(g.node.defaultChild as ec2.CfnSecurityGroup));
    // Which group: the open one, and not the closed one (inline or as a separate egress rule).
    expect(Object.keys(groups).filter(holdsAnyIpv4)).toEqual([openId]);
    expect(holdsAnyIpv4(closedId)).toBe(false);
    expect(groups[openId].Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: '-1' })]);
  });

  test('never opens ingress from a CIDR', () => {
    const { stack, vpc } = setup();
    new EfaSecurityGroup(stack, 'Efa', { vpc });
    const template = Template.fromStack(stack);
    template.resourcePropertiesCountIs('AWS::EC2::SecurityGroupIngress', { CidrIp: Match.anyValue() }, 0);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { SecurityGroupIngress: Match.absent() });
  });

  test('addEfaRules makes an imported group EFA-ready, once', () => {
    const { stack } = setup();
    const imported = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Imported', 'sg-12345');
    expect(EfaSecurityGroup.hasEfaRules(imported)).toBe(false);
    EfaSecurityGroup.addEfaRules(imported);
    EfaSecurityGroup.addEfaRules(imported);
    expect(EfaSecurityGroup.hasEfaRules(imported)).toBe(true);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 1);
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', { GroupId: 'sg-12345', DestinationSecurityGroupId: 'sg-12345', IpProtocol: '-1' });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: 'sg-12345', SourceSecurityGroupId: 'sg-12345', IpProtocol: '-1' });
  });

  test('is connectable: other peers can be allowed in', () => {
    const { stack, vpc } = setup();
    const sg = new EfaSecurityGroup(stack, 'Efa', { vpc });
    sg.connections.allowFrom(ec2.Peer.ipv4('10.0.0.0/16'), ec2.Port.tcp(22));
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '10.0.0.0/16', FromPort: 22 })],
    });
  });
});
