import { OpsError } from '../../core/errors.js';

/**
 * Why a file is not a usable GGUF: `truncated` (ends early — usually an interrupted download), `not-gguf`
 * (wrong magic), `unsupported` (a version or type this build cannot read), `corrupt` (values that cannot be
 * right). Callers such as the model store re-download on `truncated`.
 */
export type GgufProblem = 'truncated' | 'not-gguf' | 'unsupported' | 'corrupt';

const HINTS: Record<GgufProblem, string> = {
  truncated: 'the file ends early, so the download may be incomplete; pull it again',
  'not-gguf':
    'this is not a GGUF model file; pass a .gguf file (safetensors and other formats need converting first)',
  unsupported: 'the file needs a newer reader; convert or quantize it again with a current llama.cpp',
  corrupt: 'the file is damaged; pull or convert it again',
};

/** A GGUF file could not be read; names the file, the byte offset and what was wrong. */
export class GgufError extends OpsError {
  readonly file: string;
  readonly problem: GgufProblem;

  constructor(
    file: string,
    problem: GgufProblem,
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(`${file}: ${message}`, { hint: options.hint ?? HINTS[problem], cause: options.cause });
    this.name = 'GgufError';
    this.file = file;
    this.problem = problem;
  }
}
