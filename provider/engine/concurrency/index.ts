export {
  ConcurrencyController,
  type ConcurrencyMode,
  type ControllerOptions,
  type ControllerStats,
  type Phase,
  type Token,
} from "./controller";
export { isThrottling } from "./throttling";
