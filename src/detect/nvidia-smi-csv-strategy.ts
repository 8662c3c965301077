import { type CommandRunner, runCommand } from './command-runner.js';
import type { GpuDetectionOutcome, GpuDetectionStrategy } from './gpu-detection-strategy.js';
import { BASE_CSV_FIELDS, CSV_FIELDS, parseNvidiaSmiCsv } from './nvidia-smi-csv-parser.js';

/** The fallback when the XML report fails: `nvidia-smi --query-gpu=… --format=csv,nounits`. */
export class NvidiaSmiCsvStrategy implements GpuDetectionStrategy {
  readonly name = 'nvidia-smi --query-gpu';

  constructor(
    private readonly run: CommandRunner = runCommand,
    private readonly timeoutMs = 20_000,
  ) {}

  async detect(): Promise<GpuDetectionOutcome> {
    let fields: readonly string[] = CSV_FIELDS;
    let result = await this.query(fields);
    // Drivers before 510 refuse the whole query over one unknown field ("Field "compute_cap" is not a valid field").
    if (result.exitStatus !== 0 && /not a valid field/i.test(result.stdout + result.stderr)) {
      fields = BASE_CSV_FIELDS;
      result = await this.query(fields);
    }
    if (result.notFound) return { applies: false, reason: 'nvidia-smi is not installed (no NVIDIA driver)' };
    if (result.timedOut)
      return { applies: false, reason: `nvidia-smi did not answer within ${this.timeoutMs / 1000} s` };
    if (result.exitStatus !== 0) {
      const said = (result.stderr.trim() || result.stdout.trim()).split('\n')[0] ?? '';
      return {
        applies: false,
        reason: `nvidia-smi --query-gpu exited with ${result.exitStatus ?? 'a signal'}: ${said}`,
      };
    }
    try {
      const gpus = parseNvidiaSmiCsv(result.stdout, 'the output of `nvidia-smi --query-gpu`');
      return gpus.length === 0
        ? { applies: false, reason: 'nvidia-smi reports no GPUs' }
        : { applies: true, gpus };
    } catch (error) {
      return { applies: false, reason: error instanceof Error ? error.message : String(error) };
    }
  }

  private query(fields: readonly string[]) {
    return this.run('nvidia-smi', [`--query-gpu=${fields.join(',')}`, '--format=csv,nounits'], {
      timeoutMs: this.timeoutMs,
    });
  }
}
