import { InstanceTypeCapabilities } from '../../core/capabilities';
import { EfaLayout, EfaLayoutOptions, PrimaryInterface } from '../../core/layout';
import { InterfaceType } from '../../core/network-interface';

/*
 * The network interface an AWS Batch multi-node parallel (MNP) container needs of its own.
 *
 * MNP jobs run in the Amazon ECS `awsvpc` network mode: each node's container gets an elastic network interface of its
 * own, attached to the instance (AWS Batch User Guide, "Compute environment considerations for MNP", mnp-ce.html; ECS
 * Developer Guide, "task networking"), so the instance needs a free interface slot beside its EFA layout. Inferred:
 * that interface is attached on network card 0 (EC2 AttachNetworkInterface's default card), so the slot must be on card
 * 0. AWS's recommended layout fills card 0 on types whose card 0 takes two interfaces (p5, p5e, p5en, hpc7a …): an ENA
 * primary and `efa-only` at device 1. An `efa` primary keeps the same EFA count and leaves device 1 free, which is how
 * AWS's own Batch templates for p5 and p6-b200 lay card 0 out (aws-samples/awsome-distributed-training,
 * 1.architectures/3.aws-batch).
 */

/** Whether a layout leaves network card 0 a free device index. */
export function hasFreeSlotOnCard0(layout: EfaLayout): boolean {
  const used = layout.interfaces.filter((i) => i.networkCardIndex === 0).length;
  return used < layout.capabilities.networkCards[0].maximumNetworkInterfaces;
}

/**
 * The primary interface a Batch compute environment's layout gets: the one given; else AWS's recommended layout when
 * it leaves card 0 a free slot; else an `efa` primary when that keeps the EFA count and frees the slot; else the
 * recommended layout (which the compute environment then warns about).
 */
export function batchPrimaryInterface(capabilities: InstanceTypeCapabilities, options: EfaLayoutOptions): PrimaryInterface | undefined {
  if (options.primaryInterface !== undefined) {
    return options.primaryInterface;
  }
  const recommended = EfaLayout.recommended(capabilities, options);
  const efaOnlyOnCard0 = recommended.interfaces.some((i) => i.networkCardIndex === 0 && i.interfaceType === InterfaceType.EFA_ONLY);
  if (hasFreeSlotOnCard0(recommended) || !efaOnlyOnCard0) {
    return undefined;
  }
  // Card 0 carries an EFA here, so an efa primary is allowed there and reaches as many cards.
  const efaCount = recommended.summary.efaCount;
  const alternative = EfaLayout.recommended(capabilities, { ...options, efaCount, primaryInterface: PrimaryInterface.EFA });
  return alternative.summary.efaCount === efaCount && hasFreeSlotOnCard0(alternative) ? PrimaryInterface.EFA : undefined;
}
