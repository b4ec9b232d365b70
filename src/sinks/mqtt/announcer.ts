/**
 * Home Assistant announcing: which discovery configs a reading brings, once per broker session.
 * Owns the announced set; the pump publishes what it is handed and reports refusals back.
 */
import type { WireMessage } from '../../wire/message';
import { AnnouncedSet, discoveryConfigs, gatewayConfig, type DiscoveryConfig, type DiscoverySettings } from './discovery';

/** Discovery configs announced per reading at most; the rest follow with later readings. */
export const MAX_CONFIGS_PER_READING = 256;

/** Decides the retained discovery configs to publish before each reading. */
export class DiscoveryAnnouncer {
  private readonly announced: AnnouncedSet;
  /** The gateway device's config id: its JSON is made only when it is due, not for every reading. */
  private readonly gatewayId: string;

  constructor(
    private readonly settings: DiscoverySettings,
    maxAnnounced: number,
  ) {
    this.announced = new AnnouncedSet(maxAnnounced);
    this.gatewayId = gatewayConfig(settings).id;
  }

  /** Entities announced in this session. */
  get size(): number {
    return this.announced.size;
  }

  /** The configs not yet announced for this reading's device, the gateway device first. */
  configsFor(wire: WireMessage): DiscoveryConfig[] {
    const configs: DiscoveryConfig[] = [];
    // The gateway device first: the sensors name it as their via_device.
    if (this.announced.add(this.gatewayId)) configs.push(gatewayConfig(this.settings));
    let budget = MAX_CONFIGS_PER_READING;
    configs.push(
      // Ids over the budget stay unannounced, so a later reading of the device announces them.
      ...discoveryConfigs(wire, this.settings, (id) => budget > 0 && this.announced.add(id) && budget-- > 0),
    );
    return configs;
  }

  /**
   * A new session may come with a broker that lost its retained configs: announce again.
   * Configs still in flight (`pending`) are resent anyway, so they stay announced.
   */
  newSession(pending: Iterable<string>): void {
    this.announced.clear();
    for (const id of pending) this.announced.add(id);
  }

  /** The broker refused this config for good: try again with a later reading. */
  refused(id: string): void {
    this.announced.delete(id);
  }
}
