/** The validation API: inspect files, the rule list, defaults and the JSON report shape. */
export { inspectCached, inspectFile, validateFacts, type FileInspection, type InspectOptions } from './inspect.js';
export { RULES, isMimeAllowed, type Rule, type RuleConfig } from './rules.js';
export { DEFAULT_ALLOWED_MIME_TYPES, DEFAULT_BLOCKED_EXTENSIONS } from './defaults.js';
export { reportUnreadable, toValidationReport, type ValidationReport } from './report.js';
export { chooseAllowlist, rulesFor, type AllowlistChoice, type AllowlistInput } from './allowlist.js';
