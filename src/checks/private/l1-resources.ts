import { CfnResource, Stack } from 'aws-cdk-lib';
import { JsonObject, READ_PROPERTIES, TemplateResource } from '../template-reader';

/**
 * How `EfaChecks` hands L1 constructs to the template reader: the resolved typed properties, with CloudFormation's
 * property names, so that the reader and the rules see what a synthesized template would hold.
 */

/** The L1 resources of one stack (not of its nested stacks, which the aspect visits as stacks of their own). */
export function cfnResourcesOf(stack: Stack): CfnResource[] {
  return stack.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c) && Stack.of(c) === stack);
}

export function logicalIdOf(resource: CfnResource): string {
  return Stack.of(resource).resolve(resource.logicalId);
}

/**
 * A resource as the template reader reads it: the CloudFormation JSON of the typed L1 properties the rules read
 * (`READ_PROPERTIES`), resolved. Properties are read by name, never through `instanceof`, so that twin L1 classes
 * (aws-eks and aws-eks-v2 `CfnNodegroup`, or two copies of aws-cdk-lib) are read alike.
 */
export function templateResourceOf(resource: CfnResource): TemplateResource {
  const properties: JsonObject = {};
  for (const name of READ_PROPERTIES[resource.cfnResourceType] ?? []) {
    const value: unknown = (resource as unknown as Record<string, unknown>)[l1PropertyName(name)];
    if (value !== undefined) {
      properties[name] = cloudFormationKeys(Stack.of(resource).resolve(value));
    }
  }
  return { logicalId: logicalIdOf(resource), type: resource.cfnResourceType, properties };
}

/**
 * The name of an L1 class's typed property for a CloudFormation property: `LaunchTemplateData` → `launchTemplateData`,
 * `VPCZoneIdentifier` → `vpcZoneIdentifier` (a leading acronym is lower-cased whole).
 */
export function l1PropertyName(cfnName: string): string {
  const acronym = /^[A-Z]+(?=[A-Z][a-z])/.exec(cfnName)?.[0];
  return acronym !== undefined && acronym.length > 1
    ? acronym.toLowerCase() + cfnName.substring(acronym.length)
    : cfnName.charAt(0).toLowerCase() + cfnName.substring(1);
}

/**
 * A resolved L1 property value with CloudFormation's key names: the L1 classes' nested structs spell CloudFormation's
 * names with a lower-case first letter (`networkCardIndex` for `NetworkCardIndex`); intrinsic functions (`Ref`,
 * `Fn::GetAtt`) already have theirs.
 */
export function cloudFormationKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(cloudFormationKeys);
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key.charAt(0).toUpperCase() + key.substring(1), cloudFormationKeys(v)]));
}

