import type { TestContext } from 'node:test';
import { writeTestConfig } from '../helpers/gateway-config';
import { LowbandProcess } from '../helpers/processes';

/**
 * `lowband run` on a test config with `web.bind` on a free loopback port; resolves once the
 * gateway has started, with the page's URL. The process is ended when the test ends.
 */
export async function runWebGateway(t: TestContext, dir: string, extra: Record<string, unknown>, web: Record<string, unknown> = {}) {
  const cfg = writeTestConfig(dir, { ...extra, web: { bind: '127.0.0.1:0', ...web } });
  const gw = new LowbandProcess(['run', '--config', cfg.path]);
  t.after(async () => {
    gw.kill('SIGTERM');
    await gw.exited;
  });
  const url = String((await gw.waitForMsg('web server listening')).url);
  await gw.waitForMsg('gateway started');
  return { gw, cfg, url };
}
