import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { RuntimeUnavailableError } from '../../src/core/errors.js';
import { connectDocker, dockerCandidates } from '../../src/runtime/docker-connection.js';

describe('dockerCandidates', () => {
  it('tries the system socket, then the rootless one, when DOCKER_HOST is unset', () => {
    const candidates = dockerCandidates({ XDG_RUNTIME_DIR: '/run/user/1000' });
    assert.deepEqual(
      candidates.map((c) => c.options.socketPath),
      ['/var/run/docker.sock', '/run/user/1000/docker.sock'],
    );
  });

  it('uses only DOCKER_HOST when it is set: unix and tcp', () => {
    assert.deepEqual(
      dockerCandidates({ DOCKER_HOST: 'unix:///tmp/d.sock', XDG_RUNTIME_DIR: '/run/user/1' }).map(
        (c) => c.options,
      ),
      [{ socketPath: '/tmp/d.sock' }],
    );
    assert.deepEqual(dockerCandidates({ DOCKER_HOST: 'tcp://10.0.0.5:2375' })[0]?.options, {
      protocol: 'http',
      host: '10.0.0.5',
      port: '2375',
    });
  });

  it('switches tcp to https on DOCKER_TLS_VERIFY, default port 2376', () => {
    const [candidate] = dockerCandidates({
      DOCKER_HOST: 'tcp://docker.example',
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: '/nonexistent',
    });
    assert.equal(candidate?.options.protocol, 'https');
    assert.equal(candidate?.options.port, '2376');
  });

  it('rejects an unsupported DOCKER_HOST scheme with a hint', () => {
    assert.throws(() => dockerCandidates({ DOCKER_HOST: 'ssh://user@host' }), RuntimeUnavailableError);
  });
});

describe('connectDocker', () => {
  it('lists what it tried when nothing answers', async () => {
    await assert.rejects(
      connectDocker({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' }),
      (error: unknown) => {
        assert.ok(error instanceof RuntimeUnavailableError);
        assert.match(error.message, /DOCKER_HOST=unix:\/\/\/nonexistent\/docker.sock: no such socket/);
        assert.match(error.hint ?? '', /systemctl start docker/);
        return true;
      },
    );
  });
});
