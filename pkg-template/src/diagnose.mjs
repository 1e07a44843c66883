// diagnose(): explains why open data does not decrypt, for logs and support.
import { invalidArgument } from './errors.mjs';

export function createDiagnose(engine) {
  return function diagnose() {
    engine();
    throw invalidArgument('diagnose is being ported to the byte engine');
  };
}
