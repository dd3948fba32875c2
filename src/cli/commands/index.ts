/** The list of subcommands, as data. Bodies load lazily. */
import type { CommandSpec } from '../spec.js';
import { validateSpec } from './validate.js';

export const COMMANDS: readonly CommandSpec[] = [validateSpec] as unknown as readonly CommandSpec[];
