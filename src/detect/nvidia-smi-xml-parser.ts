import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { OpsError } from '../core/errors.js';
import { computeCapabilityOfArchitecture, lookupGpu } from './gpu-catalog.js';
import { normalizePciBusId, readInt, readMiB, readNumber, readText } from './nvidia-smi-values.js';
import type { GpuFabric, GpuInfo, MigDevice } from './types.js';

/** What one `nvidia-smi -q -x` document says: driver-wide versions and one entry per GPU. */
export interface NvidiaSmiReport {
  driverVersion: string | null;
  cudaVersion: string | null;
  gpus: GpuInfo[];
}

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Keep every value as text: `<pci_bus>01</pci_bus>` must not become the number 1, nor a UUID a float.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => name === 'gpu' || name === 'mig_device',
});

const HINT =
  'save the whole output of `nvidia-smi -q -x > gpus.xml` on the machine (redirect stdout only), then pass that file';

/**
 * Parses `nvidia-smi -q -x` output defensively across driver generations (470-era `<power_readings>` with
 * `<power_draw>`/`<power_limit>`, 535-era `<gpu_power_readings>`, 550+ `<instant_power_draw>`/`<average_power_draw>`,
 * `N/A` placeholders, MIG slices). Throws an OpsError naming `sourceName` when the text is not such a document.
 */
export function parseNvidiaSmiXml(text: string, sourceName: string): NvidiaSmiReport {
  // A GPU that fell off the bus makes nvidia-smi print a plain-text error line before the XML declaration.
  const start = text.indexOf('<?xml');
  const xml = start > 0 ? text.slice(start) : text;
  if (xml.trim() === '') {
    throw new OpsError(`${sourceName} is empty; expected the XML output of \`nvidia-smi -q -x\``, {
      exitCode: 2,
      hint: HINT,
    });
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new OpsError(`${sourceName} is not well-formed nvidia-smi XML: ${describeXmlError(valid.err)}`, {
      exitCode: 2,
      hint: HINT,
    });
  }
  const doc = parser.parse(xml) as Node;
  const log = doc.nvidia_smi_log;
  if (!log || typeof log !== 'object') {
    throw new OpsError(
      `${sourceName} has no <nvidia_smi_log> root element; it is not \`nvidia-smi -q -x\` output`,
      {
        exitCode: 2,
        hint: HINT,
      },
    );
  }
  const root = log as Node;
  const driverVersion = readText(root.driver_version);
  const cudaVersion = readText(root.cuda_version);
  const gpuNodes = (Array.isArray(root.gpu) ? root.gpu : []) as Node[];
  const gpus = gpuNodes.map((node, index) => parseGpu(node, index, driverVersion, cudaVersion, sourceName));
  const attached = readInt(root.attached_gpus);
  if (attached !== null && attached !== gpus.length) {
    throw new OpsError(
      `${sourceName} says ${attached} GPU(s) are attached but describes ${gpus.length}; the file looks truncated`,
      { exitCode: 2, hint: HINT },
    );
  }
  return { driverVersion, cudaVersion, gpus };
}

function parseGpu(
  node: Node,
  index: number,
  driverVersion: string | null,
  cudaVersion: string | null,
  sourceName: string,
): GpuInfo {
  const name = readText(node.product_name);
  if (name === null) {
    throw new OpsError(
      `${sourceName}: GPU ${index} has no <product_name>; the file is not complete nvidia-smi output`,
      {
        exitCode: 2,
        hint: HINT,
      },
    );
  }
  const brand = readText(node.product_brand);
  const architecture = readText(node.product_architecture);
  const fb = child(node, 'fb_memory_usage');
  const known = lookupGpu(name, brand);
  const computeCapability =
    readText(node.compute_cap) ?? known.computeCapability ?? computeCapabilityOfArchitecture(architecture);
  const power = readPower(node);
  const mig = readMig(node);
  const nvlink = readFabric(node);
  const pci = child(node, 'pci');
  return {
    index,
    name,
    uuid: readText(node.uuid),
    pciBusId: normalizePciBusId(pci.pci_bus_id ?? node['@_id']),
    vramMiB: readMiB(fb.total) ?? 0,
    vramUsedMiB: readMiB(fb.used),
    driverVersion,
    cudaVersion,
    ...(computeCapability ? { computeCapability } : {}),
    ...(architecture ? { architecture } : {}),
    ...(brand ? { brand } : {}),
    gpuClass: known.gpuClass,
    ...power,
    ...mig,
    ...(nvlink ? { nvlink } : {}),
    hasDriver: true,
    source: 'nvidia-smi-xml',
  };
}

function child(node: Node, name: string): Node {
  const value = node[name];
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Node) : {};
}

/**
 * Drivers before 535 write `<power_readings>` with `<power_draw>` and `<power_limit>`; 535 renamed the block to
 * `<gpu_power_readings>` with `<current_power_limit>`; 550+ replaced `<power_draw>` by `<instant_power_draw>` and
 * `<average_power_draw>`. Take the first reading that exists.
 */
function readPower(node: Node): { powerLimitW?: number; powerDrawW?: number } {
  const blocks = [child(node, 'gpu_power_readings'), child(node, 'power_readings')];
  const first = (keys: string[]) => {
    for (const block of blocks) {
      for (const key of keys) {
        const value = readNumber(block[key]);
        if (value !== null) return value;
      }
    }
    return null;
  };
  const limit = first(['current_power_limit', 'enforced_power_limit', 'power_limit']);
  const draw = first(['instant_power_draw', 'power_draw', 'average_power_draw']);
  return {
    ...(limit !== null ? { powerLimitW: limit } : {}),
    ...(draw !== null ? { powerDrawW: draw } : {}),
  };
}

function readMig(node: Node): { migMode?: 'enabled' | 'disabled'; migDevices?: MigDevice[] } {
  const current = readText(child(node, 'mig_mode').current_mig);
  if (current === null) return {};
  const migMode = /^enabled$/i.test(current) ? 'enabled' : 'disabled';
  const devices = child(node, 'mig_devices').mig_device;
  const migDevices = (Array.isArray(devices) ? devices : []).map((d: Node, i): MigDevice => {
    const attrs = child(child(d, 'device_attributes'), 'shared');
    return {
      index: readInt(d.index) ?? i,
      gpuInstanceId: readInt(d.gpu_instance_id),
      computeInstanceId: readInt(d.compute_instance_id),
      vramMiB: readMiB(child(d, 'fb_memory_usage').total),
      multiprocessorCount: readInt(attrs.multiprocessor_count),
    };
  });
  return migMode === 'enabled' ? { migMode, migDevices } : { migMode };
}

function readFabric(node: Node): GpuFabric | null {
  const fabric = child(node, 'fabric');
  const state = readText(fabric.state);
  if (state === null) return null;
  return { state, status: readText(fabric.status), cliqueId: readText(fabric.cliqueId) };
}

/** fast-xml-parser reports unclosed elements at the end of input as a JSON list; say "truncated" in words instead. */
function describeXmlError(err: { code: string; msg: string; line: number; col: number }): string {
  const unclosed = /^Invalid '(\[.*\])' found/s.exec(err.msg);
  if (unclosed) {
    let tags: string[] = [];
    try {
      tags = JSON.parse(unclosed[1]!) as string[];
    } catch {
      // Leave the list empty: the message below still says what happened.
    }
    const list = tags.map((t) => `<${t}>`).join(' > ');
    return `it ends before closing ${list || 'its elements'}; the file is truncated`;
  }
  return `line ${err.line}, column ${err.col}: ${err.msg} (the file may be truncated or not XML at all)`;
}
