import { type CommandRunner, runCommand } from './command-runner.js';
import type { GpuDetectionOutcome, GpuDetectionStrategy } from './gpu-detection-strategy.js';
import { BASE_CSV_FIELDS, CSV_FIELDS, parseNvidiaSmiCsv } from './nvidia-smi-csv-parser.js';
import { nvidiaSmiOutcome } from './nvidia-smi-outcome.js';

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
    return nvidiaSmiOutcome(result, 'nvidia-smi --query-gpu', this.timeoutMs, (stdout) =>
      parseNvidiaSmiCsv(stdout, 'the output of `nvidia-smi --query-gpu`'),
    );
  }

  private query(fields: readonly string[]) {
    return this.run('nvidia-smi', [`--query-gpu=${fields.join(',')}`, '--format=csv,nounits'], {
      timeoutMs: this.timeoutMs,
    });
  }
}
