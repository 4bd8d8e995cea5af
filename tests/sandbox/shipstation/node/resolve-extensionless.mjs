// ESM resolve hook: shipstation-node@1.5.6 ships ESM whose relative imports have no ".js"
// extension (`import ... from './v1/V1API'`), which bundlers accept and Node's ESM loader does
// not (directory imports neither). Retrying such specifiers with ".js" / "/index.js" lets Node
// load the package unchanged.
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const relative = specifier.startsWith('./') || specifier.startsWith('../');
    const missing = ['ERR_MODULE_NOT_FOUND', 'ERR_UNSUPPORTED_DIR_IMPORT'].includes(error?.code);
    if (!missing || !relative) throw error;
    for (const suffix of ['.js', '/index.js']) {
      try {
        return await nextResolve(specifier + suffix, context);
      } catch {
        // try the next candidate
      }
    }
    throw error;
  }
}
