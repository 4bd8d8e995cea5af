// Loaded with `node --import ./register.mjs`: installs the extensionless-import resolver.
import { register } from 'node:module';

register('./resolve-extensionless.mjs', import.meta.url);
