import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inheritTags, userTags } from '../../src/domain/ownership';

describe('tags a config made from another keeps', () => {
  it('userTags leaves out aws: (any case) and modelship: tags', () => {
    const tags = [
      { Key: 'team', Value: 'risk' },
      { Key: 'aws:cloudformation:stack-name', Value: 'prod' },
      { Key: 'AWS:Reserved', Value: 'x' },
      { Key: 'modelship:run', Value: 'r1' },
      { Key: 'modelship:endpoint', Value: 'e1' },
      { Key: 'awsome', Value: 'kept: not the aws: prefix' },
    ];
    assert.deepEqual(userTags(tags), [
      { Key: 'team', Value: 'risk' },
      { Key: 'awsome', Value: 'kept: not the aws: prefix' },
    ]);
  });

  it('inheritTags adds the inherited tags the caller does not set; the caller’s values win', () => {
    const extra = { KmsKeyId: 'k', Tags: [{ Key: 'team', Value: 'ours' }] };
    assert.deepEqual(
      inheritTags(extra, [
        { Key: 'team', Value: 'theirs' },
        { Key: 'cost-center', Value: '42' },
      ]),
      {
        KmsKeyId: 'k',
        Tags: [
          { Key: 'cost-center', Value: '42' },
          { Key: 'team', Value: 'ours' },
        ],
      },
    );
    assert.equal(inheritTags(undefined, []), undefined, 'nothing inherited: unchanged');
    assert.deepEqual(inheritTags(undefined, [{ Key: 'a', Value: 'b' }]), { Tags: [{ Key: 'a', Value: 'b' }] });
  });
});
