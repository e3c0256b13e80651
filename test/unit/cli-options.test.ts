import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { addTemporalOptions } from '../../src/cli/connection';

function parse(args: string[], env?: string) {
  if (env === undefined) delete process.env.TEMPORAL_TLS;
  else process.env.TEMPORAL_TLS = env;
  const cmd = addTemporalOptions(new Command('x')).exitOverride();
  cmd.parse(['node', 'x', ...args]);
  return cmd.opts();
}

describe('Temporal connection options', () => {
  afterEach(() => delete process.env.TEMPORAL_TLS);

  it('reads TEMPORAL_TLS as a boolean: false means off', () => {
    assert.equal(parse([], 'false').tls, false);
    assert.equal(parse([], '0').tls, false);
    assert.equal(parse([], 'true').tls, true);
    assert.equal(parse([]).tls, undefined);
  });

  it('takes --tls alone as on, and the flag wins over the environment', () => {
    assert.equal(parse(['--tls']).tls, true);
    assert.equal(parse(['--tls'], 'false').tls, true);
  });

  it('refuses a TLS value that is not a boolean', () => {
    assert.throws(() => parse([], 'maybe'), /TLS flag must be true or false; got "maybe"/);
  });

  it('defaults to a local server, the default namespace and the modelship task queue', () => {
    const o = parse([]);
    assert.deepEqual([o.address, o.namespace, o.taskQueue], ['localhost:7233', 'default', 'modelship']);
  });
});
