/** The one way a rule builds its error: the path first, then what is wrong, and a hint. */
import { ExaiError } from '../errors.js';
import type { FileFacts } from '../files/types.js';

/** An ExaiError for `facts.displayPath` with the message prefixed by the quoted path. */
export function fail(facts: Pick<FileFacts, 'displayPath'>, name: ConstructorParameters<typeof ExaiError>[0], message: string, hint: string): ExaiError {
  return new ExaiError(name, `${JSON.stringify(facts.displayPath)}: ${message}`, { path: facts.displayPath, hint });
}
