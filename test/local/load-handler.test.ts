import { statSync } from 'node:fs';
import { bundleHandler, loadHandler } from '../../cli/local/load-handler';

describe('loadHandler', () => {
  it('should bundle a handler that imports ESM-only middy and load its handler function', async () => {
    const handler = await loadHandler<(...args: unknown[]) => unknown>('ingest');

    expect(typeof handler).toBe('function');
  });

  it('should not rebuild a bundle whose sources did not change', async () => {
    const bundle = await bundleHandler('authorizer');
    const builtAt = statSync(bundle).mtimeMs;

    await bundleHandler('authorizer');

    expect(statSync(bundle).mtimeMs).toBe(builtAt);
  });

  it('should load a fresh copy each time, as a new Lambda container would', async () => {
    const first = await loadHandler('authorizer');
    const second = await loadHandler('authorizer');

    expect(second).not.toBe(first);
  });

  it('should name the missing file for an unknown handler', async () => {
    await expect(loadHandler('no-such-handler')).rejects.toThrow('no handler "no-such-handler": lambdas/no-such-handler/handler.ts does not exist');
  });
});
