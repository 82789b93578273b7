import { Token } from 'aws-cdk-lib';
import { InstanceTypeCapabilities } from './capabilities';
import { familyOf } from './private/aws-recommendations';
import { isKnownInstanceFamily, isKnownInstanceSize } from './private/ec2-names';
import { Problem, efaError, throwIfProblems } from './private/errors';
import { INSTANCE_TYPE_TABLE } from './private/instance-types.generated';
import { closestNames } from './private/suggest';

const BY_NAME = new Map<string, InstanceTypeCapabilities>(INSTANCE_TYPE_TABLE.map((row) => [row.instanceType, row]));

/**
 * The capability table: which EC2 instance types support EFA, and how their network cards are laid out.
 *
 * The table is generated from EC2 `DescribeInstanceTypes` data (`data/efa-instance-types.json`); refresh it with
 * `npx projen update-instance-types`. For a type newer than the table, build an `InstanceTypeCapabilities` yourself
 * and pass it as `capabilities`.
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
    return [...BY_NAME.keys()];
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
    return BY_NAME.get(instanceType)?.efaSupported === true;
  }

  /**
   * The capabilities of an instance type, or undefined when the table does not list it.
   *
   * @param instanceType for example `p5.48xlarge`
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa.html#efa-instance-types
   */
  public static tryLookup(instanceType: string): InstanceTypeCapabilities | undefined {
    return BY_NAME.get(instanceType);
  }

  /**
   * The capabilities of an EFA-capable instance type.
   *
   * @param instanceType for example `p5.48xlarge`
   * @throws if `instanceType` is an unresolved token (pass `capabilities` explicitly instead); if it is a known EC2
   *         type without EFA support (t3.micro, m5.large); or if the table does not know it, naming the closest known
   *         types and how to supply capabilities for a type newer than the table
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa.html#efa-instance-types
   */
  public static lookup(instanceType: string): InstanceTypeCapabilities {
    if (Token.isUnresolved(instanceType)) {
      throw efaError('instance-type-unresolved', 'The instance type is an unresolved token, so its EFA capabilities cannot be looked up at synth time; pass `capabilities` (an InstanceTypeCapabilities) explicitly.');
    }
    const row = BY_NAME.get(instanceType);
    if (row !== undefined) {
      return row;
    }
    throw EfaInstanceTypes.notEfaCapableError(instanceType);
  }

  /**
   * Checks that hand-written capabilities are complete and coherent.
   *
   * @param capabilities the row to check
   * @throws listing every problem: no network cards, card indexes not 0, 1, 2 … in order, a card with fewer than one
   *         interface, `efaSupported` false, or `maximumEfaInterfaces` below 1
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInfo.html
   */
  public static validateCapabilities(capabilities: InstanceTypeCapabilities): void {
    const type = capabilities.instanceType;
    const problems: Problem[] = [];
    const hint = 'fix the InstanceTypeCapabilities you passed (see `aws ec2 describe-instance-types` NetworkInfo)';
    if (!capabilities.efaSupported) {
      problems.push({ id: 'efa-not-supported', message: `${type} does not support EFA (efaSupported is false); choose an EFA-capable instance type (EfaInstanceTypes.all()).` });
    }
    if (!Number.isInteger(capabilities.maximumEfaInterfaces) || capabilities.maximumEfaInterfaces < 1) {
      problems.push({ id: 'invalid-capabilities', message: `${type} maximumEfaInterfaces is ${capabilities.maximumEfaInterfaces}, but an EFA-capable type has at least 1; ${hint}.` });
    }
    if (capabilities.networkCards.length === 0) {
      problems.push({ id: 'invalid-capabilities', message: `${type} has no network cards; list at least network card 0; ${hint}.` });
    }
    capabilities.networkCards.forEach((card, position) => {
      if (card.networkCardIndex !== position) {
        problems.push({ id: 'invalid-capabilities', message: `${type} network card at position ${position} has networkCardIndex ${card.networkCardIndex}; list cards in order 0, 1, 2 …; ${hint}.` });
      }
      if (!Number.isInteger(card.maximumNetworkInterfaces) || card.maximumNetworkInterfaces < 1) {
        problems.push({ id: 'invalid-capabilities', message: `${type} network card ${position} has maximumNetworkInterfaces ${card.maximumNetworkInterfaces}; every card takes at least 1; ${hint}.` });
      }
    });
    if (capabilities.networkCards.length > 0 && !capabilities.networkCards.some((c) => c.efaSupported)) {
      problems.push({ id: 'invalid-capabilities', message: `${type} has no network card with efaSupported true; mark the cards that can carry an EFA; ${hint}.` });
    }
    throwIfProblems(`Capabilities of ${type}`, problems);
  }

  private static notEfaCapableError(instanceType: string): Error {
    const family = familyOf(instanceType);
    const size = instanceType.substring(family.length + 1);
    const knownSize = isKnownInstanceSize(size);
    const siblings = [...BY_NAME.keys()].filter((name) => familyOf(name) === family);
    if (knownSize && siblings.length > 0) {
      return efaError('efa-not-supported', `${instanceType} does not support EFA; in the ${family} family only ${siblings.join(', ')} do. Choose one of those sizes.`);
    }
    if (knownSize && isKnownInstanceFamily(family)) {
      return efaError('efa-not-supported', `${instanceType} does not support EFA. EFA needs one of the ${BY_NAME.size} EFA-capable types, for example p5.48xlarge, p6-b200.48xlarge, trn2.48xlarge, hpc7a.96xlarge or c5n.18xlarge (list them with \`cdk-efa instance-types\`).`);
    }
    const suggestions = closestNames(instanceType, [...BY_NAME.keys()]);
    const didYouMean = suggestions.length > 0 ? ` Did you mean ${suggestions.join(' or ')}?` : '';
    return efaError('unknown-instance-type', `Unknown instance type ${instanceType}: it is not in cdk-efa's capability table of EFA-capable types.${didYouMean} If ${instanceType} is newer than the table, pass its \`capabilities\` (an InstanceTypeCapabilities built from \`aws ec2 describe-instance-types --instance-types ${instanceType}\`), or refresh the table with \`npx projen update-instance-types\`.`);
  }
}
