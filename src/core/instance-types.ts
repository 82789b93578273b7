import { InstanceTypeCapabilities } from './capabilities';
import { familyOf } from './private/aws-recommendations';
import { capabilitiesProblems } from './private/capabilities-rules';
import { isKnownInstanceFamily, isKnownInstanceSize } from './private/ec2-names';
import { echo, echoName, efaError, throwIfProblems } from './private/errors';
import { instanceTable, isCheckedTableRow } from './private/instance-table';
import { closestNames } from './private/suggest';
import { Token } from './private/tokens';

/**
 * The capability table: which EC2 instance types support EFA, and how their network cards are laid out.
 *
 * The table is generated from EC2 `DescribeInstanceTypes` data (`data/efa-instance-types.json`); refresh it with
 * `npx projen update-instance-types`. It ships as JSON, read and checked once, on the first lookup. For a type newer
 * than the table, build an `InstanceTypeCapabilities` yourself and pass it as `capabilities`.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa.html#efa-instance-types
 */
export class EfaInstanceTypes {
  /**
   * Every EFA-capable instance type in the table, sorted by name.
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa.html#efa-instance-types
   */
  public static all(): string[] {
    return instanceTable().names();
  }

  /**
   * Whether the table lists the instance type as EFA-capable.
   *
   * Returns false for types that do not support EFA and for types the table does not know; never throws.
   *
   * @param instanceType for example `p5.48xlarge`
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa.html#efa-instance-types
   */
  public static isEfaSupported(instanceType: string): boolean {
    return instanceTable().get(instanceType)?.efaSupported === true;
  }

  /**
   * The capabilities of an instance type, or undefined when the table does not list it.
   *
   * @param instanceType for example `p5.48xlarge`
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa.html#efa-instance-types
   */
  public static tryLookup(instanceType: string): InstanceTypeCapabilities | undefined {
    return instanceTable().get(instanceType);
  }

  /**
   * The capabilities of an EFA-capable instance type.
   *
   * @param instanceType for example `p5.48xlarge`
   * @throws if `instanceType` is not a non-empty string (`cdk-efa:invalid-instance-type`); if it is an unresolved token
   *         (pass `capabilities` explicitly instead); if it is a known EC2
   *         type without EFA support (t3.micro, m5.large); or if the table does not know it, naming the closest known
   *         types and how to supply capabilities for a type newer than the table
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa.html#efa-instance-types
   */
  public static lookup(instanceType: string): InstanceTypeCapabilities {
    if (typeof instanceType !== 'string' || instanceType.trim() === '') {
      throw efaError('invalid-instance-type', `The instance type is ${echo(instanceType)}, not the name of an EC2 instance type; give one such as 'p5.48xlarge' (list the EFA-capable types with EfaInstanceTypes.all() or \`cdk-efa instance-types\`).`);
    }
    if (Token.isUnresolved(instanceType)) {
      throw efaError('instance-type-unresolved', 'The instance type is an unresolved token, so its EFA capabilities cannot be looked up at synth time; pass `capabilities` (an InstanceTypeCapabilities) explicitly.');
    }
    const row = instanceTable().get(instanceType);
    if (row !== undefined) {
      return row;
    }
    throw EfaInstanceTypes.notEfaCapableError(instanceType);
  }

  /**
   * Checks that hand-written capabilities are complete and coherent, and reports every problem together.
   *
   * Every field is checked, for callers in languages where nothing checks the types: `networkCards` is a non-empty
   * list of card objects, in order 0, 1, 2 …; each card takes a whole number of interfaces from 1, says whether it
   * carries an EFA, and has bandwidths that are numbers of Gbps from 0 (peak at least baseline); `supportedInterfaceTypes`
   * agrees with `efaSupported` and lets card 0 hold a primary; counts are whole numbers (`maximumEfaInterfaces` and
   * `maximumNetworkInterfaces` from 1); `architecture`, `accelerators` and `placementGroupStrategies` hold their enum
   * values. Unresolved tokens are refused: capabilities are read at synth time.
   *
   * @param capabilities the row to check
   * @throws `cdk-efa:invalid-capabilities` listing every problem, or `cdk-efa:efa-not-supported` when `efaSupported`
   *         is false
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInfo.html
   */
  public static validateCapabilities(capabilities: InstanceTypeCapabilities): void {
    if (isCheckedTableRow(capabilities)) {
      return; // a row of the table, checked on its first read
    }
    throwIfProblems('Invalid InstanceTypeCapabilities', capabilitiesProblems(capabilities));
  }

  private static notEfaCapableError(instanceType: string): Error {
    const family = familyOf(instanceType);
    const size = instanceType.substring(family.length + 1);
    const knownSize = isKnownInstanceSize(size);
    const siblings = instanceTable().names().filter((name) => familyOf(name) === family);
    const name = echoName(instanceType);
    if (knownSize && siblings.length > 0) {
      return efaError('efa-not-supported', `${name} does not support EFA; in the ${family} family only ${siblings.join(', ')} do. Choose one of those sizes.`);
    }
    if (knownSize && isKnownInstanceFamily(family)) {
      return efaError('efa-not-supported', `${name} does not support EFA. EFA needs one of the ${instanceTable().size} EFA-capable types, for example p5.48xlarge, p6-b200.48xlarge, trn2.48xlarge, hpc7a.96xlarge or c5n.18xlarge (list them with \`cdk-efa instance-types\`).`);
    }
    const suggestions = closestNames(instanceType, instanceTable().names());
    const didYouMean = suggestions.length > 0 ? ` Did you mean ${suggestions.join(' or ')}?` : '';
    // A name cut by echoName would make a useless command: then the command shows a placeholder.
    const command = `aws ec2 describe-instance-types --instance-types ${name === instanceType ? instanceType : '<type>'}`;
    return efaError('unknown-instance-type', `Unknown instance type ${name}: it is not in cdk-efa's capability table of EFA-capable types.${didYouMean} If ${name} is newer than the table, pass its \`capabilities\` (an InstanceTypeCapabilities built from \`${command}\`), or refresh the table with \`npx projen update-instance-types\`.`);
  }
}
