/**
 * ZAP (ZeroMQ RFC 27) authentication for CURVE servers. libzmq has no built-in authenticator:
 * a CURVE server with no ZAP handler in its context accepts ANY client key. So the handler
 * must be started (startZap) before the protected sockets bind, in the same context.
 */
import { Context, Router, context as defaultContext, type Socket } from 'zeromq';
import { RateLimitedLog, type Logger } from '../util/log';
import { z85Encode } from './z85';

/** The endpoint libzmq asks, fixed by RFC 27. */
export const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';
/** Domain our CURVE servers announce to the ZAP handler. */
export const ZAP_DOMAIN = 'lowband';

/** A running ZAP handler. */
export interface ZapHandler {
  /** Unbind and stop answering; sockets bound afterwards are no longer protected. */
  stop(): Promise<void>;
  /** Handshakes refused so far (unknown key, wrong mechanism, malformed request). */
  refused(): number;
  /** Handshakes allowed so far. */
  allowed(): number;
  /** Replace the allow list (e.g. after the file changed); applies to new handshakes. */
  setAllowList(allowList: Iterable<string>): void;
}

/** The decision for one ZAP request: reply frames after the routing envelope. */
export interface ZapDecision {
  status: '200' | '400' | '500';
  text: string;
  userId: string;
  /** Z85 client key when the mechanism was CURVE. */
  clientKey?: string;
  mechanism: string;
  address: string;
}

/**
 * Decides one ZAP request body (frames after [routingId, ""]): CURVE with an allow-listed
 * client key → 200; anything else (NULL, PLAIN, unknown key, malformed) → 400.
 */
export function decideZap(body: readonly Buffer[], allowList: ReadonlySet<string>): ZapDecision {
  const version = body[0]?.toString('latin1');
  const mechanism = body[5]?.toString('latin1') ?? '';
  const address = body[3]?.toString('latin1') ?? '';
  if (version !== '1.0' || body.length < 6) {
    return { status: '500', text: 'malformed ZAP request', userId: '', mechanism, address };
  }
  if (mechanism !== 'CURVE') {
    return { status: '400', text: `mechanism ${mechanism} not allowed`, userId: '', mechanism, address };
  }
  const raw = body[6];
  if (!raw || raw.length !== 32 || body.length !== 7) {
    return { status: '500', text: 'malformed CURVE credentials', userId: '', mechanism, address };
  }
  const clientKey = z85Encode(raw);
  if (!allowList.has(clientKey)) {
    return { status: '400', text: 'client key not allowed', userId: '', clientKey, mechanism, address };
  }
  return { status: '200', text: 'OK', userId: clientKey, clientKey, mechanism, address };
}

/**
 * Binds a ROUTER to inproc://zeromq.zap.01 in `context` (default: zeromq.js's global context,
 * the one every socket uses unless given another) and answers ZAP requests from `allowList`
 * (Z85 public keys). Resolves once bound, so callers can bind protected sockets afterwards.
 */
export async function startZap(allowList: Iterable<string>, logger: Logger, context?: Context): Promise<ZapHandler> {
  let allow = new Set(allowList);
  let refused = 0;
  let allowed = 0;
  const rl = new RateLimitedLog(logger, 60_000, 256);
  const router = new Router({ context: context ?? defaultContext, linger: 0 });
  try {
    await router.bind(ZAP_ENDPOINT);
  } catch (err) {
    router.close();
    throw new Error(`cannot start the ZAP handler on ${ZAP_ENDPOINT}: ${(err as Error).message} (is another one running in this context?)`);
  }

  const loop = (async () => {
    for (;;) {
      let msg: Buffer[];
      try {
        msg = await router.receive();
      } catch {
        return; // closed
      }
      // [routingId, "", version, requestId, domain, address, identity, mechanism, credentials...]
      const body = msg.slice(2);
      const d = decideZap(body, allow);
      if (d.status === '200') {
        allowed++;
        logger.debug({ client: d.clientKey, address: d.address }, 'ZAP: client allowed');
      } else {
        refused++;
        // One topic per source address: a client cycling through keys must not get a log line
        // per handshake (the journal is on an SD card); the line carries the latest key.
        rl.warn(
          `zap:${d.address}`,
          { client: d.clientKey, address: d.address, mechanism: d.mechanism, reason: d.text, refused },
          'ZAP: client refused',
        );
      }
      const reqId = body[1] ?? Buffer.alloc(0);
      try {
        await router.send([msg[0], Buffer.alloc(0), '1.0', reqId, d.status, d.text, d.userId, Buffer.alloc(0)]);
      } catch {
        if (router.closed) return;
      }
    }
  })();

  return {
    async stop() {
      if (!router.closed) router.close();
      await loop;
    },
    refused: () => refused,
    allowed: () => allowed,
    setAllowList(list: Iterable<string>) {
      allow = new Set(list);
    },
  };
}

/** Keys for a CURVE server socket: its own secret key. */
export interface CurveServerKeys {
  secretKey: string;
}
/** Keys for a CURVE client socket: its own pair and the server's public key. */
export interface CurveClientKeys {
  publicKey: string;
  secretKey: string;
  serverKey: string;
}

/**
 * Makes `socket` a CURVE server (bind side; requires a running ZAP handler in its context,
 * see startZap) or a CURVE client (connect side). Call before bind/connect.
 */
export function applyCurve(socket: Socket, role: 'server', keys: CurveServerKeys): void;
export function applyCurve(socket: Socket, role: 'client', keys: CurveClientKeys): void;
export function applyCurve(socket: Socket, role: 'server' | 'client', keys: CurveServerKeys | CurveClientKeys): void {
  if (role === 'server') {
    socket.curveServer = true;
    socket.curveSecretKey = keys.secretKey;
    socket.zapDomain = ZAP_DOMAIN;
  } else {
    const k = keys as CurveClientKeys;
    socket.curveServerKey = k.serverKey;
    socket.curvePublicKey = k.publicKey;
    socket.curveSecretKey = k.secretKey;
  }
}
