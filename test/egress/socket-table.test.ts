import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import {
  egressCheck,
  hostnameCheck,
  hostsFileNames,
  planEgressHosts,
} from '../../src/egress/egress-check.js';
import { type LeavingSocket, outboundRows } from '../../src/egress/process-sockets.js';
import { quietClaudeCodeExports } from '../../src/egress/quiet-client-env.js';
import { decodeAddress, isLeaving, parseSocketTable } from '../../src/egress/socket-table.js';

// Lines in the format the kernel prints (proc(5), /proc/net/tcp); addresses chosen for the cases.
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4711 1 0000000000000000 100 0 0 10 0
   1: 0100007F:A2C4 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 4712 1 0000000000000000 20 4 30 10 -1
   2: 010012C6:C350 077100CB:01BB 02 00000001:00000000 01:00000064 00000002     0        0 4713 2 0000000000000000 1000 0 0 1 7
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5001 1 0000000000000000 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:B000 0000000000000000FFFF00000100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 5002 1 0000000000000000 20 4 30 10 -1
   2: 00000000000000000000000001000000:C000 B80D0120000000000000000001000000:0050 02 00000000:00000000 00:00000000 00000000     0        0 5003 1 0000000000000000 20 4 30 10 -1
`;

describe('socket tables', () => {
  it('decodes the kernel byte order', () => {
    assert.equal(decodeAddress('0100007F'), '127.0.0.1');
    assert.equal(decodeAddress('077100CB'), '203.0.113.7');
    assert.equal(decodeAddress('00000000000000000000000001000000'), '::1');
    assert.equal(decodeAddress('B80D0120000000000000000001000000'), '2001:db8::1');
    assert.equal(decodeAddress('0000000000000000FFFF00000100007F'), '::ffff:127.0.0.1');
    assert.throws(() => decodeAddress('123'), /not a \/proc\/net address/);
  });

  it('keeps loopback and listening sockets in, and finds the attempt to leave', () => {
    const rows = [...parseSocketTable('tcp', TCP), ...parseSocketTable('tcp6', TCP6)];
    assert.equal(rows.length, 6);
    const leaving = rows.filter(isLeaving);
    assert.deepEqual(
      leaving.map((r) => [r.remote.address, r.remote.port, r.state, r.inode]),
      [
        ['203.0.113.7', 443, 'syn-sent', 4713],
        ['2001:db8::1', 80, 'syn-sent', 5003],
      ],
    );
  });

  it('reads unconnected UDP as staying home', () => {
    const udp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  100: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 6001 2 0000000000000000 0
  101: 0100007F:D000 35FFFF0A:0035 01 00000000:00000000 00:00000000 00000000     0        0 6002 2 0000000000000000 0
`;
    const rows = parseSocketTable('udp', udp);
    assert.deepEqual(
      rows.map((r) => [r.state, isLeaving(r)]),
      [
        ['unconnected', false],
        ['connected', true],
      ],
    );
    assert.equal(rows[1]!.remote.address, '10.255.255.53');
  });
});

describe('the egress doctor check', () => {
  const attempt: LeavingSocket = {
    ...parseSocketTable('tcp', TCP)[2]!,
    pid: 42,
    owner: 'gateway gateway',
    command: 'node',
  };

  it('says what tried to leave, with the process and the destination', () => {
    const c = egressCheck({ sockets: [attempt], watched: 3, unreadable: [], planEgress: [] });
    assert.equal(c.status, 'warn');
    assert.match(c.detail, /gateway gateway \(node, pid 42\) → 203\.0\.113\.7:443 tcp syn-sent/);
    assert.match(c.fix, /nothing in the Plan should leave/);
  });

  it('is ok when nothing leaves, skips with nothing running, and warns when it could not look', () => {
    assert.equal(egressCheck({ sockets: [], watched: 3, unreadable: [], planEgress: [] }).status, 'ok');
    assert.equal(egressCheck({ sockets: [], watched: 0, unreadable: [], planEgress: [] }).status, 'skip');
    const blind = egressCheck({
      sockets: [],
      watched: 2,
      unreadable: [{ pid: 7, owner: 'engine coder' }],
      planEgress: [],
    });
    assert.equal(blind.status, 'warn');
    assert.match(blind.detail, /engine coder \(pid 7\).*root/);
  });

  it('names the destinations the Plan itself chose', () => {
    const hosts = planEgressHosts(
      [
        { engine: 'external', baseUrl: 'https://models.internal.example:8443/v1' },
        { engine: 'external', baseUrl: 'http://127.0.0.1:9000/v1' },
        { engine: 'llama.cpp' },
      ],
      { mode: 'local-first' },
    );
    assert.deepEqual(hosts, ['models.internal.example', 'the Anthropic API']);
    const c = egressCheck({ sockets: [attempt], watched: 1, unreadable: [], planEgress: hosts });
    assert.match(c.detail, /on purpose to models\.internal\.example/);
  });

  it('prints the settings that keep Claude Code quiet', () => {
    const lines = quietClaudeCodeExports();
    assert.ok(lines.includes('export CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1'));
    assert.ok(lines.includes('export DISABLE_TELEMETRY=1'));
  });
});

describe('the host name check', () => {
  it('passes when /etc/hosts names the host, and says how to fix it when not', () => {
    const hosts =
      '127.0.0.1\tlocalhost\n127.0.1.1\tbox.example box # installer\n::1 localhost ip6-localhost\n';
    assert.equal(hostsFileNames('box', hosts), true);
    assert.equal(hostsFileNames('BOX.example', hosts), true);
    assert.equal(hostsFileNames('installer', hosts), false);
    assert.equal(hostnameCheck('box', hosts), undefined);
    const c = hostnameCheck('other', hosts);
    assert.equal(c?.status, 'warn');
    assert.match(c!.fix, /127\.0\.1\.1 other/);
  });
});

describe('inbound and outbound', () => {
  it('a connection accepted on a listening port came in (Docker proxy from the bridge); one from another port went out', () => {
    const tcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 7001 1 0000000000000000 100 0 0 10 0
   1: 020011AC:1F90 010011AC:A1AA 01 00000000:00000000 00:00000000 00000000     0        0 7002 1 0000000000000000 20 4 30 10 -1
   2: 020011AC:A028 077100CB:01BB 01 00000000:00000000 00:00000000 00000000     0        0 7003 1 0000000000000000 20 4 30 10 -1
   3: 020011AC:A029 077100CB:01BB 01 00000000:00000000 00:00000000 00000000     0        0 9999 1 0000000000000000 20 4 30 10 -1
`;
    const rows = parseSocketTable('tcp', tcp);
    assert.equal(rows[1]!.remote.address, '172.17.0.1');
    const out = outboundRows(rows, new Set([7001, 7002, 7003]));
    // 9999 belongs to another process; 7002 was accepted on 8080.
    assert.deepEqual(
      out.map((r) => [r.inode, r.remote.address, r.remote.port]),
      [[7003, '203.0.113.7', 443]],
    );
  });
});
