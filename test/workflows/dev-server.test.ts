import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { startDevServer } from '../../src/dev-server';
import { SEARCH_ATTRIBUTES } from '../../src/domain/search-attributes';
import { temporalCliPath } from '../support/temporal';

describe('embedded Temporal server', () => {
  it('starts from the installed CLI with modelship search attributes, and keeps runs across a restart', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'modelship-smoke-'));
    const dbFilename = path.join(dir, 'temporal.db');
    try {
      const first = await startDevServer({ cliPath: temporalCliPath(), dbFilename });
      let connection = await Connection.connect({ address: first.address });
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      for (const key of Object.values(SEARCH_ATTRIBUTES)) assert.ok(key.name in (customAttributes ?? {}), `${key.name} registered`);
      // A run started with no worker stays Running: it must survive the server restart.
      const client = new Client({ connection });
      await client.workflow.start('deployModel', { taskQueue: 'nobody-polls', workflowId: 'smoke-persisted', args: [{}] });
      await connection.close();
      await first.stop();

      const second = await startDevServer({ cliPath: temporalCliPath(), dbFilename, port: Number(first.address.split(':')[1]) });
      connection = await Connection.connect({ address: second.address });
      const desc = await new Client({ connection }).workflow.getHandle('smoke-persisted').describe();
      assert.equal(desc.status.name, 'RUNNING');
      await connection.close();
      await second.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says why when the server exits before accepting connections (its own output in the error)', async () => {
    await assert.rejects(
      startDevServer({ cliPath: temporalCliPath(), dbFilename: path.join(tmpdir(), 'modelship-no-such-dir', 'x', 'temporal.db') }),
      (err: Error) => /exited with code 1 before accepting connections; it printed:\n.*database file/s.test(err.message),
    );
  });

  it("starts through the SDK's existing-path executable option (no download)", async () => {
    const env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: temporalCliPath() }, searchAttributes: Object.values(SEARCH_ATTRIBUTES) },
    });
    try {
      const { customAttributes } = await env.connection.operatorService.listSearchAttributes({ namespace: env.namespace ?? 'default' });
      assert.ok(SEARCH_ATTRIBUTES.endpoint.name in (customAttributes ?? {}));
    } finally {
      await env.teardown();
    }
  });
});
