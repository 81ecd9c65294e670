export { CapabilityError, GatewayError, GatewayProviderError, ModuleNotEnabledError } from './errors.js';
export {
  ModuleRuntime,
  type GatewayHandler,
  type ModuleContext,
  type RunOptions,
  type TableChange,
  type TableChangeHandler,
} from './context.js';
export { loadHandler, moduleRoot } from './handlers.js';
export { defineModuleModels, type ModuleModel } from './models.js';
