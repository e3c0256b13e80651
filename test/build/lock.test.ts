/**
 * The committed package-lock.json must install as it is: the Dockerfile runs `npm ci --omit=dev`, which
 * refuses a lock that lacks any platform's optional packages ("Missing: @swc/core-darwin-arm64 from lock
 * file"), and `npm install` on a fresh clone would otherwise add them and leave the checkout modified.
 * Both checks run offline against an empty npm cache: a complete lock needs nothing from a registry to
 * be validated, and an incomplete one fails here instead of fetching what it lacks.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe('the committed package-lock.json', () => {
  let dir: string;
  const offline = () => ['--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--cache', path.join(dir, 'npm-cache')];
  const npmIn = async (args: string[]) => {
    try {
      return await run(npm, args, { cwd: path.join(dir, 'app'), encoding: 'utf8' });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      assert.fail(
        `npm ${args.join(' ')} failed: the lock is incomplete or out of date with package.json; regenerate it with ` +
          `\`npm install --package-lock-only\` and commit it.\n${e.stderr || e.stdout || e.message}`,
      );
    }
  };

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'modelship-lock-'));
    const app = path.join(dir, 'app');
    mkdirSync(app);
    for (const file of ['package.json', 'package-lock.json', '.npmrc']) copyFileSync(path.join(root, file), path.join(app, file));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is accepted by `npm ci --omit=dev` (the Docker image install step)', async () => {
    const { stdout } = await npmIn(['ci', '--omit=dev', '--dry-run', ...offline()]);
    assert.match(stdout, /added \d+ packages/);
  });

  it('is left byte-for-byte unchanged when npm resolves package.json against it', async () => {
    const lock = path.join(dir, 'app', 'package-lock.json');
    const before = readFileSync(lock, 'utf8');
    await npmIn(['install', '--package-lock-only', ...offline()]);
    assert.equal(readFileSync(lock, 'utf8'), before, 'npm rewrote package-lock.json: commit the lock npm writes');
  });
});
