import type { BundleApt } from './apt-commands.js';
import type { DistroKey } from './distro.js';
import type { HostFacts } from './host-facts.js';

/**
 * satisfied: nothing to do. pending: ops will run the commands. kept: something is there that ops leaves alone
 * (an existing driver or CUDA that differs from what was asked). not-applicable: the step does not concern this box
 * (e.g. GPU steps on a CPU-only machine). manual: ops never does this itself; the detail says how. unsupported: no
 * commands for this distro; the detail says what to do by hand. refused: what was asked cannot be done here (a pin
 * no package matches); provisioning stops before it changes anything.
 */
export type StepStatus =
  | 'satisfied'
  | 'pending'
  | 'kept'
  | 'not-applicable'
  | 'manual'
  | 'unsupported'
  | 'refused';

export interface StepCheck {
  status: Exclude<StepStatus, 'unsupported'>;
  detail: string;
  /** Set when the state is acceptable but risky (an outdated toolkit kept): ops doctor warns with it. */
  concern?: string;
  /** What to do about this particular state, when the step knows better than its general `manual` text. */
  fix?: string;
}

/** What the user asked for that changes provisioning (from the setup answers). */
export interface ProvisionOptions {
  driver: {
    /** Driver branch or version to install or require, e.g. `580`, `550.127`; absent = NVIDIA's current default. */
    pin?: string;
    /** What the user asked for; `auto` decides by the GPUs. */
    requested: 'auto' | 'open' | 'proprietary';
    /**
     * Decided from the GPUs' compute capability (driver-flavour.ts): `open` (nvidia-open, Turing and newer, required
     * by Blackwell) or `proprietary` (cuda-drivers, needed by Maxwell/Pascal/Volta); null when none serves them all.
     */
    flavour: 'open' | 'proprietary' | null;
    /** Why that flavour (or why none), said in the plan. */
    reason: string;
    /** Replace an installed driver that does not match the pin (default: keep it). */
    replace: boolean;
  };
  /** Upgrade an installed container toolkit that lacks published security fixes (only with consent). */
  upgradeToolkit: boolean;
  /** Install the CUDA toolkit on the host too (engines bring their own CUDA runtime, so default no). */
  hostCuda: boolean;
  /** Air-gapped: a directory of `.deb` files (driver, toolkit) installed instead of NVIDIA's network repos. */
  debDir?: string;
  /**
   * Air-gapped with `ops setup --bundle`: every package comes from the bundle's repository through apt's private
   * configuration; no NVIDIA repository, key or /etc/apt source is used. Wins over `debDir`.
   */
  bundleApt?: BundleApt;
  /** Address the gateway binds; anything but loopback is exposed to the network. */
  gatewayHost: string;
  gatewayPort: number;
}

/** Everything a step's apply commands may depend on. */
export interface ApplyContext {
  distro: DistroKey;
  facts: HostFacts;
  options: ProvisionOptions;
}

/** One host provisioning step as data: a check, the commands per distro, a verification, and the by-hand text. */
export interface ProvisionStep {
  id: string;
  title: string;
  /** Only on boxes with an NVIDIA GPU. */
  gpuOnly: boolean;
  /** The upstream page the commands follow. */
  doc: string;
  check(facts: HostFacts, options: ProvisionOptions): StepCheck;
  /** Shell commands (each run with `bash -c`, as root) for a supported distro. */
  apply(ctx: ApplyContext): string[];
  /** Commands that must succeed after apply (e.g. `nvidia-smi`, a `--gpus all` container). */
  verify?: (ctx: ApplyContext) => string[];
  /** What to do by hand on an unsupported distro. */
  manual: string;
  /** After apply, a failing check may only mean "reboot to load the new kernel module". */
  mayNeedReboot?: boolean;
}

/** A step with what was decided for this box. */
export interface StepDecision {
  step: ProvisionStep;
  status: StepStatus;
  detail: string;
  /** The commands that would run (pending steps on a supported distro). */
  commands: string[];
  verify: string[];
  concern?: string;
  fix?: string;
}
