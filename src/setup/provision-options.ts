import type { SetupAnswers } from './answers.js';
import type { ProvisionOptions } from './provision-types.js';

/** The provisioning choices carried by the answers. */
export function provisionOptions(answers: SetupAnswers): ProvisionOptions {
  return {
    driver: {
      flavour: answers.driver.flavour,
      replace: answers.driver.replace,
      ...(answers.driver.pin ? { pin: answers.driver.pin } : {}),
    },
    hostCuda: answers.hostCuda,
    ...(answers.offline?.debDir ? { debDir: answers.offline.debDir } : {}),
    gatewayHost: answers.gatewayHost,
    gatewayPort: answers.gatewayPort,
  };
}
