import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { Shell, ShellResult } from '../../src/setup/shell.js';

/** A Shell that runs each script inside a container with `docker exec` (as root), for the provisioning tests. */
export function dockerExecShell(docker: Docker, containerId: string, name: string): Shell {
  return {
    where: `container ${name}`,
    async run(script: string, input?: string): Promise<ShellResult> {
      const exec = await docker.getContainer(containerId).exec({
        Cmd: ['bash', '-c', script],
        AttachStdout: true,
        AttachStderr: true,
        AttachStdin: input !== undefined,
        User: 'root',
      });
      const stream = await exec.start({ hijack: true, stdin: input !== undefined });
      const out = new PassThrough();
      const err = new PassThrough();
      let stdout = '';
      let stderr = '';
      out.on('data', (d) => (stdout += d));
      err.on('data', (d) => (stderr += d));
      docker.modem.demuxStream(stream, out, err);
      if (input !== undefined) stream.end(input);
      await new Promise<void>((resolve, reject) => {
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', reject);
      });
      const { ExitCode } = await exec.inspect();
      return { exitCode: ExitCode ?? 1, stdout, stderr };
    },
  };
}
