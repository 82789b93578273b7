import {
  AUTO_SCALING_GROUP, BATCH_COMPUTE_ENVIRONMENT, BATCH_JOB_DEFINITION, EKS_ADDON, INSTANCE, INTERFACE_TYPES, JobContainer,
  LAUNCH_TEMPLATE, LaunchConsumer, LaunchSpec, NODEGROUP, TemplateInterface, TemplateResource, batchSecurityGroupsSet,
  hasEfaOnlyInterface, readAddon, readConsumer, readInstance, readJobDefinition, readLaunchTemplate, readPlacementStrategy,
  readSecurityGroupSelfRules,
} from './template-reader';
import type { InstanceTypeCapabilities } from '../core/capabilities';
import { EfaInstanceTypes } from '../core/instance-types';
import { EfaLayout } from '../core/layout';
import { InterfaceType, NetworkInterfaceSpec } from '../core/network-interface';
import { EfaDeviceTarget, efaDeviceFindings, efaDeviceIndex, efaEnvironmentProblems } from '../core/private/efa-container-rules';
import { Problem } from '../core/private/errors';
import { mixedP4Problem, publicIpProblem } from '../core/private/fleet-rules';
import { layoutProblems, summarize } from '../core/private/layout-rules';
import { closestNames } from '../core/private/suggest';

/**
 * The one set of rules `EfaChecks` and `cdk-efa inspect` apply to CloudFormation resources, as `template-reader.ts`
 * reads them. Pure: it takes the resources of one template (or one stack) and returns findings by logical ID; the
 * caller says how to name resources and reports the findings its own way (annotations, or printed lines).
 *
 * The layout rules themselves are the engine's (`layoutProblems`), and the fleet rules are `fleet-rules.ts`'s: this
 * module decides which launch each applies to, with which instance types.
 */

/** How bad a finding is: an error fails synthesis (`EfaChecks`) or the command (`inspect`); a warning does not. */
export type Severity = 'error' | 'warning';

/** One finding: a rule ID of docs/errors.md, on the resource with `logicalId`. */
export interface TemplateFinding {
  readonly logicalId: string;
  readonly id: string;
  readonly severity: Severity;
  readonly message: string;
}

/** How to run the rules on one template. */
export interface TemplateRuleOptions {
  /**
   * How messages name a resource of the template by its logical ID (`EfaChecks` gives the construct path).
   *
   * @default - the logical ID
   */
  readonly nameOf?: (logicalId: string) => string;
  /**
   * The launch templates with an `efa-only` interface anywhere in the app (in any stack), by name, for
   * `vpc-cni-too-old`; asked only when the template pins an old `vpc-cni` add-on.
   *
   * @default - those of this template
   */
  readonly efaOnlyLaunchTemplates?: () => string[];
}

/**
 * The construct metadata type of `EfaChecks.acknowledge` (as `cdk_nag` is cdk-nag's), with data
 * `{ rules_to_acknowledge: [{ id, reason }] }`; `cdk-efa inspect` reads it from the cloud assembly.
 */
export const ACKNOWLEDGEMENT_METADATA = 'cdk_efa';

/** The oldest Amazon VPC CNI that supports `efa-only` interfaces (EKS User Guide, "node-efa"). */
const MIN_VPC_CNI_FOR_EFA_ONLY: readonly number[] = [1, 18, 5];

/** How a message names each kind of resource that launches instances. */
const KIND: Readonly<Record<string, string>> = {
  [LAUNCH_TEMPLATE]: 'launch template',
  [INSTANCE]: 'instance',
  [NODEGROUP]: 'node group',
  [AUTO_SCALING_GROUP]: 'Auto Scaling group',
  [BATCH_COMPUTE_ENVIRONMENT]: 'Batch compute environment',
};

/** The launch templates of `resources` with an `efa-only` interface. */
export function efaOnlyLaunchTemplateIds(resources: readonly TemplateResource[]): string[] {
  return resources.filter((r) => r.type === LAUNCH_TEMPLATE && hasEfaOnlyInterface(readLaunchTemplate(r.properties))).map((r) => r.logicalId);
}

/**
 * Every finding of the rules on one template's resources. The resources' properties are CloudFormation JSON, as
 * `template-reader.ts` reads it; values it reads as unknown (intrinsic functions) are skipped, not guessed.
 */
export function templateFindings(resources: readonly TemplateResource[], options: TemplateRuleOptions = {}): TemplateFinding[] {
  return new TemplateChecker(resources, options).findings();
}

interface LaunchTemplateEntry {
  readonly logicalId: string;
  readonly launch: LaunchSpec & { readonly name?: string };
}

/** A Batch compute environment that launches with EFA interfaces, for the job definition rules. */
interface BatchEnvironment {
  readonly logicalId: string;
  readonly instanceTypes: string[];
  /** Its EFA interfaces per instance: its launch template's count, or (not `exact`) the most its instance types support. */
  readonly efaCount: number;
  readonly exact: boolean;
}

interface ConsumerEntry {
  readonly resource: TemplateResource;
  readonly consumer: LaunchConsumer;
  /** The logical ID of the launch template of this template it launches from. */
  readonly launchTemplate?: string;
}

class TemplateChecker {
  private readonly byKey = new Map<string, TemplateFinding>();
  private readonly nameOf: (logicalId: string) => string;
  private readonly launchTemplates: LaunchTemplateEntry[];
  private readonly consumers: ConsumerEntry[];

  constructor(private readonly resources: readonly TemplateResource[], private readonly options: TemplateRuleOptions) {
    this.nameOf = options.nameOf ?? ((id) => id);
    this.launchTemplates = resources.filter((r) => r.type === LAUNCH_TEMPLATE)
      .map((r) => ({ logicalId: r.logicalId, launch: readLaunchTemplate(r.properties) }));
    this.consumers = resources.flatMap((resource): ConsumerEntry[] => {
      const consumer = readConsumer(resource);
      return consumer === undefined ? [] : [{ resource, consumer, launchTemplate: this.launchTemplateOf(consumer) }];
    });
  }

  public findings(): TemplateFinding[] {
    for (const { logicalId, launch } of this.launchTemplates) {
      const users = this.consumers.filter((c) => c.launchTemplate === logicalId);
      const types = [launch.instanceType, ...users.flatMap((u) => u.consumer.instanceTypes)];
      this.checkLaunch(logicalId, LAUNCH_TEMPLATE, launch, unique(types));
      for (const user of users) {
        this.checkPlacement(user.resource.logicalId, user.consumer.placementGroup ?? launch.placementGroup, user.consumer.subnets);
      }
    }
    for (const { resource, consumer, launchTemplate } of this.consumers) {
      if (resource.type === INSTANCE) {
        this.checkInstance(resource, consumer, launchTemplate);
      }
      const mixed = mixedP4Problem(consumer.instanceTypes);
      if (mixed !== undefined) {
        this.addProblem(resource.logicalId, 'error', mixed, `This ${KIND[resource.type]} `);
      }
      if (launchTemplate === undefined) {
        this.checkPlacement(resource.logicalId, consumer.placementGroup, consumer.subnets);
      }
    }
    this.checkBatchSecurityGroups();
    this.checkJobDefinitions();
    this.checkVpcCni();
    return [...this.byKey.values()];
  }

  private add(logicalId: string, severity: Severity, id: string, message: string): void {
    this.byKey.set(`${logicalId}|${id}|${message}`, { logicalId, severity, id, message });
  }

  /** Adds a problem of the engine or the fleet rules; `subject` starts a message that has none (`This node group `). */
  private addProblem(logicalId: string, severity: Severity, problem: Problem, subject: string = ''): void {
    this.add(logicalId, severity, problem.id, `${subject}${problem.message}`);
  }

  /** The logical ID of the launch template of this template a consumer launches from, by reference or by name. */
  private launchTemplateOf(consumer: LaunchConsumer): string | undefined {
    const ref = consumer.launchTemplate;
    if (ref === undefined) {
      return undefined;
    }
    if (ref.logicalId !== undefined) {
      return ref.logicalId;
    }
    return this.launchTemplates.find((lt) => ref.name !== undefined && lt.launch.name === ref.name)?.logicalId;
  }

  /**
   * An `AWS::EC2::Instance`: its own network interfaces (which replace its launch template's), and its security
   * groups against the interfaces it launches with, its own or its launch template's.
   */
  private checkInstance(resource: TemplateResource, consumer: LaunchConsumer, launchTemplate: string | undefined): void {
    const own = readInstance(resource.properties);
    const template = this.launchTemplates.find((lt) => lt.logicalId === launchTemplate)?.launch;
    const hasOwnInterfaces = own.networkInterfaces.length > 0 || own.networkInterfacesUnknown;
    const hasTemplateInterfaces = template !== undefined && (template.networkInterfaces.length > 0 || template.networkInterfacesUnknown);
    if (own.securityGroupFields.length > 0 && !hasOwnInterfaces && hasTemplateInterfaces) {
      this.add(resource.logicalId, 'error', 'security-groups-with-network-interfaces', `This instance sets ${own.securityGroupFields.join(' and ')}, and its launch template ${this.nameOf(launchTemplate!)} sets NetworkInterfaces, but EC2 refuses a launch with both (InvalidParameterCombination); put the security groups on each network interface (Groups) in the launch template, and remove ${own.securityGroupFields.join(' and ')} from the instance.`);
    }
    if (hasOwnInterfaces) {
      this.checkLaunch(resource.logicalId, INSTANCE, own, unique(consumer.instanceTypes));
    }
  }

  /**
   * One launch's interfaces, against every instance type it launches as: its own `InstanceType` and those of the
   * resources that launch from it.
   */
  private checkLaunch(logicalId: string, type: string, launch: LaunchSpec, instanceTypes: string[]): void {
    const what = KIND[type];
    const interfaces = launch.networkInterfaces;
    if ((interfaces.length > 0 || launch.networkInterfacesUnknown) && launch.securityGroupFields.length > 0) {
      const fields = launch.securityGroupFields.join(' and ');
      this.add(logicalId, 'error', 'security-groups-with-network-interfaces', `This ${what} sets both ${fields} and NetworkInterfaces, but EC2 refuses a launch with both (InvalidParameterCombination: network interfaces and instance-level security groups may not be specified on the same request); put the security groups on each network interface (Groups) and remove ${fields}.`);
    }
    const publicIp = publicIpProblem(interfaces.length, interfaces.some((i) => i.associatePublicIpAddress));
    if (publicIp !== undefined) {
      this.addProblem(logicalId, 'error', publicIp, `This ${what} `);
    }
    for (const iface of interfaces.filter((i) => i.interfaceType === InterfaceType.EFA_ONLY && i.addressFields.length > 0)) {
      this.add(logicalId, 'error', 'efa-only-address', `The efa-only interface at ${position(iface)} sets ${iface.addressFields.join(', ')}, but an efa-only interface has no IP address, and EC2 refuses the launch (InvalidParameterValue); remove ${iface.addressFields.length === 1 ? 'it' : 'them'}, or make the interface 'efa' if it needs an address.`);
    }

    const efa = interfaces.filter((i) => isEfaType(i.interfaceType));
    const invalidType = interfaces.some((i) => i.interfaceType !== undefined && !INTERFACE_TYPES.includes(i.interfaceType));
    if (efa.length === 0 && !invalidType) {
      // Not an EFA launch: the EFA layout rules do not apply.
      return;
    }
    const ipEfa = interfaces.filter((i) => i.interfaceType === InterfaceType.EFA).length;
    if (ipEfa > 1) {
      this.add(logicalId, 'warning', 'efa-ip-per-card', `${ipEfa} 'efa' interfaces each take an IP address, so every node consumes ${ipEfa} subnet addresses; make all but the primary 'efa-only' (no IP) to use one address per node with the same EFA bandwidth.`);
    }
    this.checkSecurityGroups(logicalId, launch);
    this.checkLayout(logicalId, interfaces, launch.networkInterfacesUnknown, instanceTypes, efa.length);
  }

  private checkLayout(logicalId: string, interfaces: TemplateInterface[], listUnknown: boolean, instanceTypes: string[], efaCount: number): void {
    // Interfaces at an unknown position cannot be placed; one of an unknown type still holds its position.
    const specs: NetworkInterfaceSpec[] = interfaces
      .filter((i) => i.networkCardIndex !== undefined && i.deviceIndex !== undefined)
      .map((i) => ({
        networkCardIndex: i.networkCardIndex!,
        deviceIndex: i.deviceIndex!,
        interfaceType: (i.interfaceType ?? InterfaceType.INTERFACE) as InterfaceType,
      }));
    const partial = listUnknown || specs.length < interfaces.length || interfaces.some((i) => i.interfaceType === undefined);
    // With some interfaces unplaced, the primary may be among them.
    const applicable = (p: Problem) => !(partial && p.id === 'no-primary-interface');

    const known: InstanceTypeCapabilities[] = [];
    for (const instanceType of instanceTypes) {
      const caps = EfaInstanceTypes.tryLookup(instanceType);
      if (caps !== undefined) {
        known.push(caps);
      } else if (efaCount > 0) {
        this.add(logicalId, 'warning', 'unchecked-instance-type', uncheckedTypeMessage(instanceType, efaCount));
      }
    }
    if (known.length === 0) {
      typeIndependentProblems(specs).filter(applicable).forEach((p) => this.addProblem(logicalId, 'error', p));
      return;
    }
    for (const caps of known) {
      const problems = layoutProblems(caps, specs).filter(applicable);
      problems.forEach((p) => this.addProblem(logicalId, 'error', p));
      if (problems.length === 0 && !partial) {
        this.checkUnderused(logicalId, caps, specs);
      }
    }
  }

  private checkUnderused(logicalId: string, caps: InstanceTypeCapabilities, specs: NetworkInterfaceSpec[]): void {
    const used = summarize(caps, specs);
    const best = EfaLayout.recommended(caps).summary;
    if (used.efaCount < best.efaCount) {
      const unused = Math.round((best.efaBandwidthInGbps - used.efaBandwidthInGbps) * 100) / 100;
      this.add(logicalId, 'warning', 'efa-underused', `${caps.instanceType} supports ${best.efaCount} EFA interfaces, but this launch exposes ${used.efaCount}, leaving ${unused} Gbps of EFA bandwidth unused; add efa-only interfaces on the other cards (EfaLaunchTemplate or EfaLayout.recommended lays them out), or acknowledge this warning if fewer is intended.`);
    }
  }

  private checkSecurityGroups(logicalId: string, launch: LaunchSpec): void {
    for (const iface of launch.networkInterfaces.filter((i) => isEfaType(i.interfaceType))) {
      const groups = iface.groups ?? launch.securityGroupIds ?? [];
      if (groups.length === 0 || groups.some((g) => g === undefined)) {
        // No group, or one from outside the template (an ID, an import): its rules are not visible here.
        continue;
      }
      const rules = (groups as string[]).map((g) => readSecurityGroupSelfRules(this.resources, g));
      if (rules.some((r) => r === undefined)) {
        continue;
      }
      const missing = [
        ...(rules.some((r) => r!.selfIngress) ? [] : ['ingress from itself']),
        ...(rules.some((r) => r!.selfEgress) ? [] : ['egress to itself']),
      ];
      if (missing.length > 0) {
        this.add(logicalId, 'error', 'security-group-missing-self-rules', `The security groups of the EFA interface at ${position(iface)} (${(groups as string[]).map(this.nameOf).join(', ')}) lack a rule allowing all traffic (${missing.join(' and ')}); EFA traffic is dropped without both. Use EfaSecurityGroup, or call EfaSecurityGroup.addEfaRules(group).`);
      }
    }
  }

  private checkPlacement(logicalId: string, placementGroup: string | undefined, subnets: unknown[] | undefined): void {
    if (placementGroup === undefined || subnets === undefined || subnets.length < 2 || readPlacementStrategy(this.resources, placementGroup) !== 'cluster') {
      return;
    }
    this.add(logicalId, 'error', 'placement-group-multiple-subnets', `This launches into cluster placement group ${this.nameOf(placementGroup)} across ${subnets.length} subnets, but a cluster placement group lives in one Availability Zone and EFA traffic stays in one subnet; scaling and updates fail with "Instances in the Placement Group must be launched in the same AZ". Use exactly one subnet.`);
  }

  /**
   * AWS Batch refuses a compute environment with security groups of its own (`SecurityGroupIds`) and a launch template
   * with network interfaces ("Either compute environment Security Groups or Network Interfaces in Launch template are
   * exclusively allowed"; aws/aws-cdk#21577).
   */
  private checkBatchSecurityGroups(): void {
    for (const { resource, launchTemplate } of this.consumers.filter((c) => c.resource.type === BATCH_COMPUTE_ENVIRONMENT)) {
      const launch = this.launchTemplates.find((lt) => lt.logicalId === launchTemplate)?.launch;
      const interfaces = launch !== undefined && (launch.networkInterfaces.length > 0 || launch.networkInterfacesUnknown);
      if (interfaces && batchSecurityGroupsSet(resource.properties)) {
        this.add(resource.logicalId, 'error', 'security-groups-with-network-interfaces', `This Batch compute environment sets SecurityGroupIds, and its launch template ${this.nameOf(launchTemplate!)} sets NetworkInterfaces, but AWS Batch refuses both ("Either compute environment Security Groups or Network Interfaces in Launch template are exclusively allowed"); put the security groups on each network interface (Groups) of the launch template, and remove SecurityGroupIds from the compute environment.`);
      }
    }
  }

  /**
   * The EFA devices and environment of every `AWS::Batch::JobDefinition` container (`efa-container-rules.ts`), against
   * the EFA interfaces of the Batch compute environments of this template that it can run in (their launch templates'
   * layouts, narrowed to the container's instance types), or else of its instance types.
   */
  private checkJobDefinitions(): void {
    const environments = this.batchEnvironments();
    for (const resource of this.resources.filter((r) => r.type === BATCH_JOB_DEFINITION)) {
      for (const container of readJobDefinition(resource.properties)) {
        const subject = container.targetNodes === undefined ? 'The container ' : `The container of nodes ${capped(container.targetNodes)} `;
        const target = this.deviceTarget(container, environments);
        const findings = efaDeviceFindings(container.devices, target?.target);
        findings.errors.forEach((p) => this.addProblem(resource.logicalId, 'error', p, subject));
        if (target?.single) {
          findings.warnings.forEach((p) => this.addProblem(resource.logicalId, 'warning', p, subject));
        }
        if (container.devices.some((d) => efaDeviceIndex(d.hostPath) !== undefined)) {
          efaEnvironmentProblems(container.environment).forEach((p) => this.addProblem(resource.logicalId, 'error', p, subject));
        }
      }
    }
  }

  /**
   * The Batch compute environments of this template that launch with EFA interfaces, each with its EFA count: its
   * launch template's (`exact`), or, where the template's interfaces are partly intrinsic functions, the most its
   * instance types support.
   */
  private batchEnvironments(): BatchEnvironment[] {
    const computeEnvironments = this.consumers.filter((c) => c.resource.type === BATCH_COMPUTE_ENVIRONMENT);
    return computeEnvironments.flatMap(({ resource, consumer, launchTemplate }): BatchEnvironment[] => {
      const launch = this.launchTemplates.find((lt) => lt.logicalId === launchTemplate)?.launch;
      if (launch === undefined) {
        return [];
      }
      const interfaces = launch.networkInterfaces;
      if (!launch.networkInterfacesUnknown && interfaces.every((i) => i.interfaceType !== undefined)) {
        const efaCount = interfaces.filter((i) => isEfaType(i.interfaceType)).length;
        return efaCount === 0 ? [] : [{ logicalId: resource.logicalId, instanceTypes: consumer.instanceTypes, efaCount, exact: true }];
      }
      const most = Math.max(0, ...unique(consumer.instanceTypes).map((t) => EfaInstanceTypes.tryLookup(t)?.maximumEfaInterfaces ?? 0));
      return most === 0 ? [] : [{ logicalId: resource.logicalId, instanceTypes: consumer.instanceTypes, efaCount: most, exact: false }];
    });
  }

  /**
   * What a container's EFA devices are checked against: the compute environments it can run in (those whose instance
   * types meet its own, when both are known), with the most EFA interfaces among them; else its instance types' most
   * EFA interfaces. `single` when one exact number applies wherever it can run, so that too few devices is a finding.
   */
  private deviceTarget(container: JobContainer, environments: BatchEnvironment[]): { target: EfaDeviceTarget; single: boolean } | undefined {
    const wanted = container.instanceTypes;
    const runsThere = (e: BatchEnvironment) => wanted.length === 0 || e.instanceTypes.length === 0 || e.instanceTypes.some((t) => wanted.includes(t));
    const candidates = environments.filter(runsThere);
    if (candidates.length > 0) {
      const counts = [...new Set(candidates.map((e) => e.efaCount))];
      const most = Math.max(...counts);
      const widest = candidates.filter((e) => e.efaCount === most);
      const names = widest.map((e) => this.nameOf(e.logicalId));
      const environmentNames = `Batch compute environment${names.length === 1 ? '' : 's'} ${names.slice(0, 3).join(', ')}${names.length > 3 ? ' and others' : ''}`;
      const source = widest.every((e) => e.exact) ? `the launch template of ${environmentNames}` : `the instance types of ${environmentNames}, at most,`;
      return { target: { efaCount: most, source }, single: counts.length === 1 && candidates.every((e) => e.exact) };
    }
    const known = unique(wanted).flatMap((t) => {
      const caps = EfaInstanceTypes.tryLookup(t);
      return caps === undefined ? [] : [caps];
    });
    if (known.length === 0) {
      return undefined;
    }
    const most = Math.max(...known.map((c) => c.maximumEfaInterfaces));
    const types = known.filter((c) => c.maximumEfaInterfaces === most).map((c) => c.instanceType);
    return { target: { efaCount: most, source: `the instance type ${types.join(' or ')}` }, single: known.length === 1 };
  }

  /**
   * `efa-only` interfaces need Amazon VPC CNI 1.18.5 or later. An add-on pinned to an older version is reported when
   * the app has a launch template with an `efa-only` interface; an app without one can pin any version.
   */
  private checkVpcCni(): void {
    const pinned = this.resources.filter((r) => r.type === EKS_ADDON)
      .map((r) => ({ logicalId: r.logicalId, ...readAddon(r.properties) }))
      .filter(({ name, version }) => name === 'vpc-cni' && version !== undefined && isOlderVersion(version, MIN_VPC_CNI_FOR_EFA_ONLY));
    if (pinned.length === 0) {
      return;
    }
    const users = this.options.efaOnlyLaunchTemplates?.() ?? efaOnlyLaunchTemplateIds(this.resources).map(this.nameOf);
    if (users.length === 0) {
      return;
    }
    const shown = users.slice(0, 3).join(', ') + (users.length > 3 ? ` and ${users.length - 3} more` : '');
    for (const { logicalId, version } of pinned) {
      this.add(logicalId, 'error', 'vpc-cni-too-old', `The vpc-cni add-on is pinned to ${capped(version!)}, but efa-only network interfaces (in ${shown}) need Amazon VPC CNI v1.18.5 or later (EKS User Guide, "node-efa"). Set addonVersion to a v1.18.5 or later build (aws eks describe-addon-versions --addon-name vpc-cni), or acknowledge this finding if those interfaces never run on this cluster.`);
    }
  }
}

function unique(values: Array<string | undefined>): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined))];
}

function isEfaType(type: string | undefined): boolean {
  return type === InterfaceType.EFA || type === InterfaceType.EFA_ONLY;
}

/** The most characters of a value from a template that a message repeats. */
const MAX_SHOWN = 80;

function capped(text: string): string {
  return text.length <= MAX_SHOWN ? text : `${text.substring(0, MAX_SHOWN)}…`;
}

/** Where an interface is, for a message. */
function position(iface: TemplateInterface): string {
  const index = (n: number | undefined) => (n === undefined ? 'an intrinsic' : String(n));
  return `network card ${index(iface.networkCardIndex)} device ${index(iface.deviceIndex)}`;
}

/** Why a launch with EFA interfaces could not be checked against an instance type, and what to do. */
function uncheckedTypeMessage(instanceType: string, efaCount: number): string {
  const name = capped(instanceType);
  let notEfa = false;
  try {
    EfaInstanceTypes.lookup(instanceType);
  } catch (e) {
    notEfa = String(e).includes('[cdk-efa:efa-not-supported]');
  }
  if (notEfa) {
    return `${name} does not support EFA, but this launch has ${efaCount} EFA interface${efaCount === 1 ? '' : 's'} ('efa' or 'efa-only'), which EC2 refuses on it; choose an EFA-capable instance type (\`cdk-efa instance-types\` lists them), or make the interfaces 'interface'. The rules that depend on the instance type were not checked for it.`;
  }
  const suggestions = instanceType.length > 64 ? [] : closestNames(instanceType, EfaInstanceTypes.all());
  const didYouMean = suggestions.length > 0 ? ` (did you mean ${suggestions.join(' or ')}?)` : '';
  return `${name} is not in cdk-efa's capability table of EFA-capable types${didYouMean}, so the rules that depend on the instance type (device indexes per card, EFA count, cards that take an EFA) were not checked for it; check the name, refresh the table (npx projen update-instance-types) if the type is newer, or acknowledge this warning.`;
}

/** The subject the engine's messages get for `typeIndependentProblems`, cut from them again. */
const ANY_TYPE = 'AnyInstanceType';

/**
 * Cards and interfaces beyond any instance type's: room enough that only type-independent rules can fail. The core's
 * capability check allows counts up to 1024 (far above any EC2 figure), so that is the bound used.
 */
const UNBOUNDED = 1024;

/** The highest network card index that `typeIndependentProblems` places; interfaces beyond it are not checked. */
const MAX_CARD = 1023;

/**
 * The layout rules that hold for every instance type (positions are whole numbers, each pair once, a primary at card
 * 0 device 0 that is not `efa-only`, at most one EFA per card, EC2 interface types), from the engine itself: the
 * interfaces are checked against capabilities that limit nothing else (every card takes any number of interfaces of
 * every type), so that no rule is written twice.
 */
export function typeIndependentProblems(interfaces: NetworkInterfaceSpec[]): Problem[] {
  const placed = interfaces.filter((i) => !(Number.isInteger(i.networkCardIndex) && i.networkCardIndex > MAX_CARD));
  const cards = Math.max(1, ...placed.map((i) => (Number.isInteger(i.networkCardIndex) && i.networkCardIndex >= 0 ? i.networkCardIndex + 1 : 1)));
  const unbounded = {
    instanceType: ANY_TYPE,
    efaSupported: true,
    maximumEfaInterfaces: UNBOUNDED,
    maximumNetworkInterfaces: UNBOUNDED,
    networkCards: Array.from({ length: cards }, (_, networkCardIndex) => ({
      networkCardIndex, maximumNetworkInterfaces: UNBOUNDED, efaSupported: true,
    })),
    architecture: 'x86_64',
  } as InstanceTypeCapabilities;
  return layoutProblems(unbounded, placed).map((p) => ({ id: p.id, message: withoutSubject(p.message) }));
}

/** `AnyInstanceType network card 0 …` → `Network card 0 …`; `AnyInstanceType: the layout …` → `The layout …`. */
function withoutSubject(message: string): string {
  if (!message.startsWith(ANY_TYPE)) {
    return message;
  }
  const rest = message.substring(ANY_TYPE.length).replace(/^:?\s*/, '');
  return rest.charAt(0).toUpperCase() + rest.substring(1);
}

/**
 * Whether an add-on version such as `v1.18.3-eksbuild.1` is older than `minimum` (major, minor, patch). A version
 * that does not start with `v<major>.<minor>.<patch>` is not judged.
 */
function isOlderVersion(version: string, minimum: readonly number[]): boolean {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (match === null) {
    return false;
  }
  const parts = match.slice(1, 4).map(Number);
  for (let i = 0; i < minimum.length; i++) {
    if (parts[i] !== minimum[i]) {
      return parts[i] < minimum[i];
    }
  }
  return false;
}
