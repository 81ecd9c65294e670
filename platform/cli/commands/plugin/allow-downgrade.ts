export const ALLOW_DOWNGRADE = [
  '--allow-downgrade',
  'go back to a version older than the installed one (or than one installed before); recorded as plinth.module_downgraded',
] as const;
