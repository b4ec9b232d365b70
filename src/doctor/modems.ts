import { constants, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/load';
import type { ModemProfile } from '../radios/lora/modem-driver';
import type { DoctorEnv } from './env';
import type { CheckResult } from './result';

/** Ports `port: auto` would consider. */
async function autoPorts(env: DoctorEnv): Promise<string[]> {
  try {
    return (await fsp.readdir(env.serialByIdDir)).sort().map((n) => join(env.serialByIdDir, n));
  } catch {
    return [];
  }
}

/** Each configured modem answers its probe on its port (or `port: auto` finds it). */
export async function checkModems(env: DoctorEnv, cfg: Config, out: CheckResult[]): Promise<void> {
  for (let i = 0; i < cfg.lora.length; i++) {
    const l = cfg.lora[i];
    const name = `modem ${l.name}`;
    const wanted = env.profiles.find((p) => p.names.includes(l.modem));
    if (l.port === 'auto') {
      const ports = await autoPorts(env);
      if (ports.length === 0) {
        out.push({
          level: 'FAIL', name, detail: `port: auto, but no USB serial device in ${env.serialByIdDir}`,
          fix: 'plug in the modem and check dmesg | tail; then ls -l /dev/serial/by-id/',
        });
        continue;
      }
      const found: string[] = [];
      for (const p of ports) {
        const who = await identify(env, p, wanted, l.baud);
        if (who.profile) found.push(`${p}: ${who.profile.names[0]} ("${who.line}")`);
      }
      const match = found.find((f) => wanted && f.includes(`: ${wanted.names[0]} `));
      out.push(
        match
          ? { level: 'ok', name, detail: `port: auto finds ${match}` }
          : {
              level: 'FAIL', name,
              detail: `port: auto, no ${l.modem} answered on ${ports.join(', ')}` + (found.length ? ` (found ${found.join('; ')})` : ''),
              fix: `check lora[${i}].modem and the baud rate, or set lora[${i}].port to the device path`,
            },
      );
      continue;
    }
    try {
      await fsp.access(l.port, constants.F_OK);
    } catch {
      out.push({
        level: 'FAIL', name,
        detail: `${l.port} does not exist`,
        fix: `plug in the modem (dmesg | tail), then set lora[${i}].port to one of: ls -l /dev/serial/by-id/ /dev/lowband-* (or port: auto)`,
      });
      continue;
    }
    const who = await identify(env, l.port, wanted, l.baud);
    if (who.error) {
      out.push(openFailure(l.port, who.error, name));
    } else if (!who.profile) {
      out.push({
        level: 'FAIL', name,
        detail: `no modem answered on ${l.port} within ${env.probeTimeoutMs} ms (tried ${who.tried.join(', ')})`,
        fix: `check wiring/power and lora[${i}].baud; make sure nothing else holds the port (sudo fuser -v ${l.port}; ModemManager: sudo systemctl disable --now ModemManager)`,
      });
    } else if (wanted && who.profile !== wanted) {
      out.push({
        level: 'FAIL', name,
        detail: `${l.port} answers as ${who.profile.names[0]} ("${who.line}") but lora[${i}].modem is ${l.modem}`,
        fix: `set lora[${i}].modem: ${who.profile.names[0]}`,
      });
    } else {
      out.push({ level: 'ok', name, detail: `${l.port}: ${l.modem} answered "${who.line}"` });
    }
  }
}

/** Probes the configured modem first, then the other families at their own default baud. */
async function identify(
  env: DoctorEnv,
  port: string,
  wanted: ModemProfile | undefined,
  baud: number | undefined,
): Promise<{ profile?: ModemProfile; line?: string; error?: string; tried: string[] }> {
  const order = wanted ? [wanted, ...env.profiles.filter((p) => p !== wanted)] : env.profiles;
  const tried: string[] = [];
  for (const p of order) {
    const b = p === wanted && baud ? baud : p.defaultBaud;
    tried.push(`${p.names[0]}@${b}`);
    const r = await env.probe(port, b, p, env.probeTimeoutMs);
    if (r.error) return { error: r.error, tried };
    if (r.line !== undefined) return { profile: p, line: r.line, tried };
  }
  return { tried };
}

function openFailure(port: string, error: string, name: string): CheckResult {
  if (/EACCES|permission/i.test(error)) {
    return { level: 'FAIL', name, detail: `${port}: permission denied`, fix: 'sudo usermod -aG dialout $USER, then log out and back in' };
  }
  if (/EBUSY|lock/i.test(error)) {
    return {
      level: 'warn', name, detail: `${port} is in use (probably by the running lowband service)`,
      fix: 'nothing, if lowband status shows the adapter running; otherwise find the holder: sudo fuser -v ' + port,
    };
  }
  return { level: 'FAIL', name, detail: `${port}: cannot open (${error})`, fix: `check the device: ls -l ${port}; dmesg | tail` };
}
