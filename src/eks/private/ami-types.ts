import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import { eksV2 } from './lazy-modules';
import { AcceleratorKind, InstanceTypeCapabilities } from '../../core/capabilities';
import { Problem } from '../../core/private/errors';

/** The accelerator drivers an instance type needs in its AMI. */
type Drivers = 'nvidia' | 'neuron' | 'none';

function driversOf(caps: InstanceTypeCapabilities): Drivers {
  const accelerators = caps.accelerators ?? [];
  if (accelerators.some((a) => a.kind === AcceleratorKind.GPU && a.manufacturer === 'NVIDIA')) {
    return 'nvidia';
  }
  return accelerators.some((a) => a.kind === AcceleratorKind.NEURON) ? 'neuron' : 'none';
}

/** The EKS AMI type the hardware needs: the AL2023 variant for its architecture and accelerators. */
export function amiTypeFor(caps: InstanceTypeCapabilities): eksv2.NodegroupAmiType {
  const arm = caps.architecture === ec2.InstanceArchitecture.ARM_64;
  const { NodegroupAmiType } = eksV2();
  switch (driversOf(caps)) {
    case 'nvidia':
      return arm ? NodegroupAmiType.AL2023_ARM_64_NVIDIA : NodegroupAmiType.AL2023_X86_64_NVIDIA;
    case 'neuron':
      return NodegroupAmiType.AL2023_X86_64_NEURON;
    default:
      return arm ? NodegroupAmiType.AL2023_ARM_64_STANDARD : NodegroupAmiType.AL2023_X86_64_STANDARD;
  }
}

/** What an AMI type's name says: its architecture, and which accelerator drivers it carries. */
interface AmiTypeTraits {
  readonly architecture?: ec2.InstanceArchitecture;
  /**
   * `nvidia` for the NVIDIA variants, `neuron` for AL2023 Neuron, `both` for AL2's accelerated AMI (AL2_x86_64_GPU,
   * NVIDIA and Inferentia), `neuron-too` for the standard Bottlerocket variants (which package the Neuron driver),
   * `none` for the other standard AMIs.
   */
  readonly drivers: 'nvidia' | 'neuron' | 'both' | 'neuron-too' | 'none';
}

function traitsOf(amiType: string): AmiTypeTraits | undefined {
  const architecture = /ARM_64/i.test(amiType) ? ec2.InstanceArchitecture.ARM_64
    : /X86_64/i.test(amiType) ? ec2.InstanceArchitecture.X86_64 : undefined;
  if (architecture === undefined) {
    return undefined; // CUSTOM, or a name this module does not know: not judged
  }
  if (/NVIDIA/i.test(amiType)) {
    return { architecture, drivers: 'nvidia' };
  }
  if (/NEURON/i.test(amiType)) {
    return { architecture, drivers: 'neuron' };
  }
  if (/^AL2_.*_GPU$/i.test(amiType)) {
    return { architecture, drivers: 'both' };
  }
  return { architecture, drivers: /^BOTTLEROCKET/i.test(amiType) ? 'neuron-too' : 'none' };
}

/** The variant of `amiType`'s family (AL2023, Bottlerocket) that fits `caps`, to suggest. */
function suggestionFor(amiType: string, caps: InstanceTypeCapabilities): string {
  const al2023 = amiTypeFor(caps);
  if (!/^BOTTLEROCKET/i.test(amiType)) {
    return al2023;
  }
  const arch = caps.architecture === ec2.InstanceArchitecture.ARM_64 ? 'ARM_64' : 'x86_64';
  const fips = /_FIPS$/i.test(amiType) ? '_FIPS' : '';
  const drivers = driversOf(caps);
  // Bottlerocket's standard variants package the Neuron driver; its NVIDIA variants have no FIPS build in the enum.
  return drivers === 'nvidia' ? `BOTTLEROCKET_${arch}_NVIDIA` : `BOTTLEROCKET_${arch}${fips}`;
}

/**
 * Whether a user-given AMI type fits the instance types' hardware, judged from the AMI type's name (architecture,
 * accelerator variant) against the capability table. aws-cdk-lib's own check is bypassed (it lags behind EC2), so
 * this is cdk-efa's.
 *
 * - Errors (`ami-type-mismatch`): another architecture (EC2 cannot boot it), or an accelerator variant for
 *   accelerators the instance type lacks (NVIDIA on Trainium or on a CPU type, NEURON on a GPU type).
 * - Warnings (`ami-type-without-accelerator-drivers`, returned separately): a standard AMI type for NVIDIA GPUs, or
 *   for Neuron devices except Bottlerocket's (which packages the Neuron driver). Legal, as nodes can get their
 *   drivers another way (for example the NVIDIA GPU Operator), but usually a mistake.
 *
 * AMI types whose name says no architecture (`CUSTOM`), and tokens, are not judged.
 */
export function amiTypeFindings(amiType: string, capabilities: InstanceTypeCapabilities[]): { errors: Problem[]; warnings: string[] } {
  const errors: Problem[] = [];
  const warnings: string[] = [];
  const traits = Token.isUnresolved(amiType) ? undefined : traitsOf(amiType);
  if (traits === undefined) {
    return { errors, warnings };
  }
  for (const caps of capabilities) {
    const needs = driversOf(caps);
    const fix = `use ${suggestionFor(amiType, caps)}, or leave amiType unset for cdk-efa's choice (${amiTypeFor(caps)})`;
    if (traits.architecture !== caps.architecture) {
      errors.push({ id: 'ami-type-mismatch', message: `has amiType ${amiType}, an ${traits.architecture} AMI type, but ${caps.instanceType} is ${caps.architecture} and EC2 cannot boot it; ${fix}.` });
      continue;
    }
    const lacks = (traits.drivers === 'nvidia' && needs !== 'nvidia')
      || (traits.drivers === 'neuron' && needs !== 'neuron')
      || (traits.drivers === 'both' && needs === 'none');
    if (lacks) {
      const has = needs === 'none' ? 'no NVIDIA GPU or Neuron device' : needs === 'nvidia' ? 'NVIDIA GPUs, not Neuron devices' : 'Neuron devices, not NVIDIA GPUs';
      errors.push({ id: 'ami-type-mismatch', message: `has amiType ${amiType}, an AMI type for accelerators, but ${caps.instanceType} has ${has}; ${fix}.` });
      continue;
    }
    const missing = (needs === 'nvidia' && !['nvidia', 'both'].includes(traits.drivers))
      || (needs === 'neuron' && !['neuron', 'both', 'neuron-too'].includes(traits.drivers));
    if (missing) {
      const devices = needs === 'nvidia' ? 'NVIDIA GPUs' : 'Neuron devices';
      warnings.push(`The node group has amiType ${amiType}, which carries no drivers for the ${devices} of ${caps.instanceType}, so pods cannot use them unless the nodes get the drivers another way (for example the NVIDIA GPU Operator); ${fix}, or acknowledge this warning.`);
    }
  }
  return { errors, warnings };
}
