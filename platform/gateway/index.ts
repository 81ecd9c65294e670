export { CapabilityError, GatewayError, GatewayProviderError, ModuleNotEnabledError } from './errors.js';
export {
  ModuleRuntime,
  type EntryCall,
  type ModuleRuntimeDeps,
  type ModuleContext,
  type RunOptions,
  type TableChange,
} from './context.js';
export { moduleRoot } from './handlers.js';
export { defineModuleModels, type ModuleModel } from './models.js';
