import { OpsError } from '../core/errors.js';

/** One message of the Docker Engine API's JSON progress streams (build, import, pull). */
export interface DockerStreamMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/**
 * Reads a build/import response stream to its end. Docker reports failures inside the stream (HTTP 200 with an
 * `error` message, https://docs.docker.com/reference/api/engine/version/v1.41/#tag/Image/operation/ImageBuild),
 * so those become a rejected promise carrying the last output lines.
 */
export function readDockerStream(
  stream: NodeJS.ReadableStream,
  onMessage: (message: DockerStreamMessage) => void = () => {},
): Promise<DockerStreamMessage[]> {
  return new Promise((resolve, reject) => {
    const messages: DockerStreamMessage[] = [];
    let buffered = '';
    let failed: string | undefined;
    const handle = (line: string) => {
      if (!line.trim()) return;
      let message: DockerStreamMessage;
      try {
        message = JSON.parse(line) as DockerStreamMessage;
      } catch {
        message = { stream: line };
      }
      messages.push(message);
      if (message.error || message.errorDetail?.message)
        failed ??= message.error ?? message.errorDetail?.message;
      onMessage(message);
    };
    stream.on('data', (chunk: Buffer | string) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      lines.forEach(handle);
    });
    stream.on('error', reject);
    stream.on('end', () => {
      handle(buffered);
      if (failed === undefined) return resolve(messages);
      const tail = messages
        .flatMap((m) => (m.stream ?? m.status ?? '').split('\n'))
        .filter((l) => l.trim())
        .slice(-15)
        .join('\n');
      reject(new OpsError(`docker: ${failed.trim()}${tail ? `\n${tail}` : ''}`));
    });
  });
}
