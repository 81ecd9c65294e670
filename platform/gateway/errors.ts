import { PlinthError } from '../errors/index.js';

/** A module asked the shell for something its manifest does not declare. */
export class CapabilityError extends PlinthError {
  constructor(moduleId: string, capability: string, what: string) {
    super('capability', `module "${moduleId}" may not ${what}: its manifest does not require "${capability}"`, moduleId);
  }
}

/** A module used in a workspace where it is not enabled. */
export class ModuleNotEnabledError extends PlinthError {
  constructor(moduleId: string, workspace: string) {
    super('module_not_enabled', `module "${moduleId}" is not enabled in workspace "${workspace}"`, moduleId);
  }
}

/** A gateway call refused: undeclared dependency, unknown gateway, provider not enabled, or input that breaks its schema. */
export class GatewayError extends PlinthError {
  constructor(gateway: string, message: string, path?: string) {
    super('gateway', `gateway "${gateway}": ${message}`, path ?? gateway);
  }
}

/** The provider returned what its own gateway schema refuses: the provider's fault, not the caller's. */
export class GatewayProviderError extends PlinthError {
  constructor(gateway: string, provider: string, message: string) {
    super(
      'gateway_provider',
      `gateway "${gateway}": provider "${provider}" returned output its own schema refuses: ${message}`,
      gateway,
    );
  }
}
