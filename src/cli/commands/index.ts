/** The list of subcommands, as data. Bodies load lazily. */
import type { CommandSpec } from '../spec.js';
import { validateSpec } from './validate.js';
import { configSpec } from './config.js';

export const COMMANDS: readonly CommandSpec[] = [validateSpec, configSpec] as unknown as readonly CommandSpec[];
