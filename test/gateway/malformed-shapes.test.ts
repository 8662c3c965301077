import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { post, startFixture } from './gateway-fixture.js';

/** Every path to a value inside a JSON document (objects and arrays), root excluded. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [];
  if (value && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
    for (const [k, v] of entries) {
      out.push([...prefix, k]);
      out.push(...paths(v, [...prefix, k]));
    }
  }
  return out;
}

/** A deep copy of `doc` with the value at `path` replaced. */
function replaced(doc: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  node[path.at(-1)!] = value;
  return copy;
}

/** Wrong shapes a client (or a bug in one) sends in place of any field. */
const WRONG = [null, 1, 'x', [], {}, [null]];

/** A Claude-Code-like request with every block type the gateway reads. */
const MESSAGES = {
  model: 'claude-sonnet-x',
  max_tokens: 64,
  stream: false,
  temperature: 0.2,
  system: [{ type: 'text', text: 'You are a coder.' }],
  tools: [{ name: 'Read', description: 'read', input_schema: { type: 'object', properties: {} } }],
  tool_choice: { type: 'auto' },
  stop_sequences: ['END'],
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'look' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
        { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'doc' } },
      ],
    },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: 'reading' },
        { type: 'tool_use', id: 'toolu_1', name: 'Read', input: { file_path: 'a' } },
      ],
    },
    {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'x' }] }],
    },
  ],
};

const CHAT = {
  model: 'quality',
  max_tokens: 64,
  stream: false,
  tools: [{ type: 'function', function: { name: 'Read', parameters: { type: 'object' } } }],
  messages: [
    { role: 'system', content: 'You are a coder.' },
    { role: 'user', content: [{ type: 'text', text: 'look' }] },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'Read', arguments: '{"a":1}' } }],
    },
    { role: 'tool', tool_call_id: 'c1', content: 'x' },
  ],
};

describe('malformed request shapes', () => {
  it('every field of a Messages, count_tokens and chat request replaced by a wrong shape answers 2xx or 4xx, never 5xx', {
    timeout: 120_000,
  }, async () => {
    const logged: string[] = [];
    const fx = await startFixture([], { options: { log: (l) => logged.push(l), cache: false } });
    try {
      const cases: { url: string; body: unknown; label: string }[] = [];
      for (const [endpoint, doc] of [
        ['/v1/messages', MESSAGES],
        ['/v1/messages/count_tokens', MESSAGES],
        ['/v1/chat/completions', CHAT],
      ] as const) {
        for (const path of paths(doc)) {
          for (const wrong of WRONG) {
            cases.push({
              url: `${fx.url}${endpoint}`,
              body: replaced(doc, path, wrong),
              label: `${endpoint} ${path.join('.')} = ${JSON.stringify(wrong)}`,
            });
          }
        }
        for (const whole of [null, [], 'x', 1, { messages: [null] }, { model: 'm', messages: 'x' }])
          cases.push({
            url: `${fx.url}${endpoint}`,
            body: JSON.stringify(whole),
            label: JSON.stringify(whole),
          });
      }
      const fiveHundreds: string[] = [];
      let refused = 0;
      // Sent 16 at a time: the point is every shape, not the order.
      for (let i = 0; i < cases.length; i += 16) {
        await Promise.all(
          cases.slice(i, i + 16).map(async (c) => {
            const r = await post(c.url, c.body);
            if (r.status >= 500) fiveHundreds.push(`${c.label} → ${r.status} ${r.text.slice(0, 200)}`);
            if (r.status >= 400 && r.status < 500) {
              refused++;
              const message: string = r.json().error?.message ?? '';
              assert.ok(message.length > 0 && message.length < 2000, `${c.label}: ${r.text.slice(0, 300)}`);
            }
          }),
        );
      }
      assert.deepEqual(fiveHundreds, [], `${fiveHundreds.length} of ${cases.length} answered 5xx`);
      assert.ok(cases.length > 500, `${cases.length} cases`);
      assert.ok(refused > cases.length / 3, `only ${refused} of ${cases.length} refused`);
      assert.deepEqual(logged, []);
    } finally {
      await fx.close();
    }
  });

  it('names the field path of each problem', async () => {
    const fx = await startFixture();
    try {
      const msg = (messages: unknown, extra: object = {}) => ({
        model: 'm',
        max_tokens: 5,
        messages,
        ...extra,
      });
      const cases: [string, unknown, RegExp][] = [
        [
          '/v1/messages',
          msg([{ role: 'user', content: [null] }]),
          /messages\.0\.content\.0: must be an object, got null/,
        ],
        [
          '/v1/messages',
          msg([{ role: 'user', content: ['hi'] }]),
          /messages\.0\.content\.0: must be an object, got a string/,
        ],
        ['/v1/messages', msg([], { tools: 'Read' }), /tools: must be an array/],
        [
          '/v1/messages',
          msg([], { tools: [null, { name: 'x' }] }),
          /tools\.0: must be an object.*tools\.1\.input_schema/,
        ],
        [
          '/v1/messages',
          msg([{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 1 }] }]),
          /messages\.0\.content\.0\.tool_use_id: must be a string/,
        ],
        [
          '/v1/messages/count_tokens',
          { model: 'm', messages: [{ role: 'user', content: [{ type: 'text' }] }] },
          /messages\.0\.content\.0\.text/,
        ],
        [
          '/v1/chat/completions',
          { model: 'quality', messages: [null] },
          /messages\.0: must be an object, got null/,
        ],
        [
          '/v1/chat/completions',
          { model: 'quality', messages: [], tools: [1] },
          /tools\.0: must be an object/,
        ],
      ];
      for (const [path, body, pattern] of cases) {
        const r = await post(`${fx.url}${path}`, body);
        assert.equal(r.status, 400, `${path} ${JSON.stringify(body)}: ${r.text}`);
        assert.match(r.json().error.message, pattern);
      }
    } finally {
      await fx.close();
    }
  });

  it('accepts tool-call arguments sent as an object, forwarding them as the JSON string engines expect', async () => {
    const fx = await startFixture();
    try {
      const r = await post(`${fx.url}/v1/chat/completions`, {
        model: 'quality',
        messages: [
          { role: 'user', content: 'x' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'Read', arguments: { a: 1 } } }],
          },
          { role: 'tool', tool_call_id: 'c', content: 'ok' },
        ],
      });
      assert.equal(r.status, 200, r.text);
      const sent = fx.upstream.requests.find((q) => q.path === '/v1/chat/completions')!.body;
      assert.equal(sent.messages[1].tool_calls[0].function.arguments, '{"a":1}');
    } finally {
      await fx.close();
    }
  });

  it('clips a client-chosen model name in errors and usage records, and logs internal errors with their cause', async () => {
    const logged: string[] = [];
    const fx = await startFixture([], { options: { log: (l) => logged.push(l) } });
    try {
      const huge = 'm'.repeat(200_000);
      const r = await post(`${fx.url}/v1/messages`, { model: huge, max_tokens: 5, messages: [] });
      assert.equal(r.status, 404);
      assert.ok(r.text.length < 2000, `error body of ${r.text.length} chars`);
      assert.ok(
        fx.usage.every((u) => u.model.length < 300),
        'usage record model clipped',
      );
      // A bug stands in as a usage sink that throws inside the gateway's own request path.
      fx.gateway.context.router.route = () => {
        throw new TypeError('route table corrupted');
      };
      const broken = await post(`${fx.url}/v1/messages`, { model: 'x', max_tokens: 5, messages: [] });
      assert.equal(broken.status, 500);
      assert.equal(broken.json().error.message, 'internal gateway error');
      assert.equal(logged.length, 1);
      assert.match(
        logged[0]!,
        /internal error in POST \/v1\/messages: TypeError: route table corrupted\n\s+at /,
      );
    } finally {
      await fx.close();
    }
  });
});
