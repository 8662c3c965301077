import type { SetupAnswers } from './answers.js';
import { decideDriverFlavour, type FlavourGpu } from './driver-flavour.js';
import type { ProvisionOptions } from './provision-types.js';

/** The provisioning choices carried by the answers, with the driver flavour decided from the box's GPUs. */
export function provisionOptions(answers: SetupAnswers, gpus: FlavourGpu[]): ProvisionOptions {
  const pin = answers.driver.pin;
  const requested = answers.driver.flavour;
  // No card named (no driver answers and nothing read the PCI bus): NVIDIA's default, said as such.
  const decision =
    gpus.length > 0
      ? decideDriverFlavour(gpus, requested, pin ? Number.parseInt(pin, 10) : undefined)
      : {
          flavour: requested === 'auto' ? ('open' as const) : requested,
          reason:
            requested === 'auto'
              ? "the cards are not named here (no driver answers): open kernel modules, NVIDIA's default since 560; answer driver.flavour: proprietary for cards older than Turing"
              : `${requested} kernel modules, as asked`,
        };
  return {
    driver: {
      requested: answers.driver.flavour,
      flavour: decision.flavour,
      reason: decision.reason,
      replace: answers.driver.replace,
      ...(pin ? { pin } : {}),
    },
    upgradeToolkit: answers.upgradeToolkit,
    hostCuda: answers.hostCuda,
    ...(answers.offline?.debDir ? { debDir: answers.offline.debDir } : {}),
    gatewayHost: answers.gatewayHost,
    gatewayPort: answers.gatewayPort,
  };
}
