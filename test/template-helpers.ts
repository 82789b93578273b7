import { Template } from 'aws-cdk-lib/assertions';

/** The properties of the template's one resource of `type`; fails the test when there is none or more than one. */
export function onlyProperties(template: Template, type: string): Record<string, any> {
  const resources = Object.values(template.findResources(type));
  expect(resources).toHaveLength(1);
  return resources[0].Properties;
}

/**
 * `<logical ID> <resource type>` of every resource that `keep` accepts, sorted: what the logical-ID snapshots hold
 * (a changed logical ID replaces the resource).
 */
export function logicalIds(template: Template, keep: (id: string, type: string) => boolean): string[] {
  return Object.entries(template.toJSON().Resources as Record<string, { Type: string }>)
    .filter(([id, r]) => keep(id, r.Type))
    .map(([id, r]) => `${id} ${r.Type}`)
    .sort();
}

/** For `logicalIds`: the logical IDs that start with one of `prefixes`. */
export function startingWith(...prefixes: string[]): (id: string) => boolean {
  return (id) => prefixes.some((prefix) => id.startsWith(prefix));
}
