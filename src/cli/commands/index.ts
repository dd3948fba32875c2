/** The list of subcommands, as data. Bodies load lazily. */
import type { CommandSpec } from '../spec.js';
import { validateSpec } from './validate.js';
import { uploadSpec } from './upload.js';
import { configSpec } from './config.js';
import { lsSpec } from './ls.js';
import { rmSpec } from './rm.js';
import { quotaSpec } from './quota.js';
import { unlockSpec } from './unlock.js';
import { loginSpec } from './login.js';
import { logoutSpec } from './logout.js';
import { whoamiSpec } from './whoami.js';
import { contentSpec } from './content.js';
import { mcpSpec } from './mcp.js';
import { gcSpec } from './gc.js';
import { doctorSpec } from './doctor.js';
import { metricsSpec } from './metrics.js';

export const COMMANDS: readonly CommandSpec[] = [
  validateSpec,
  uploadSpec,
  lsSpec,
  rmSpec,
  quotaSpec,
  contentSpec,
  gcSpec,
  unlockSpec,
  doctorSpec,
  metricsSpec,
  configSpec,
  loginSpec,
  logoutSpec,
  whoamiSpec,
  mcpSpec,
] as unknown as readonly CommandSpec[];
