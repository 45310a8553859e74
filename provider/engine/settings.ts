/**
 * Provider-wide defaults, filled by the dynamic provider's `configure` from the stack config
 * (`aws:region`). Kept apart from the clients so tests can set them without a Pulumi engine.
 */
export interface ProviderSettings {
  region?: string;
}

let current: ProviderSettings = {};

export function setProviderSettings(settings: ProviderSettings): void {
  current = { ...settings };
}

export function providerSettings(): ProviderSettings {
  return current;
}
