// WebAssembly text to binary with Binaryen (a development dependency): parse with SIMD and shared
// memory (threads) enabled, then Binaryen's inlining pass, which folds the small helper functions
// of kernels.wat (the tile stores, the horizontal sums, exp, sigmoid and tanh on four lanes) into
// the kernels that call them. V8 in Node 20 does not inline calls between WebAssembly functions, and
// each call costs a spill of the live vectors; inlining changes no instruction, so no result either.
import binaryen from 'binaryen';

const FEATURES = binaryen.Features.SIMD128 | binaryen.Features.Atomics | binaryen.Features.MutableGlobals | binaryen.Features.BulkMemory | binaryen.Features.SignExt | binaryen.Features.NontrappingFPToInt | binaryen.Features.RelaxedSIMD;

/**
 * Function sizes (Binaryen's expression counts) up to which the inlining pass folds a callee in: big
 * enough for exp, sigmoid and tanh on four lanes, which the GRU cell calls six times per pair of
 * vectors (inlined, the cell ran 10% faster).
 */
const ALWAYS_INLINE_MAX_SIZE = 200;
const FLEXIBLE_INLINE_MAX_SIZE = 200;
const ONE_CALLER_INLINE_MAX_SIZE = 200;
/**
 * Helpers kept out of line: the edge rows and columns of mm and the single dot products of nt. Folded
 * into those kernels they slowed the main tiles by 2 to 6% (more live values for V8's register
 * allocator), and they run on a small share of the outputs.
 */
const NO_INLINE = ['edge', 'dot'];

/** Returns the binary module assembled from `source` (named `name` in errors); throws on invalid text. */
export async function assembleWat(source, name) {
  let mod;
  try {
    mod = binaryen.parseText(source);
  } catch (err) {
    // Binaryen throws a plain object with a message (line:column: error), not an Error
    const message = err instanceof Error || (typeof err === 'object' && err !== null && 'message' in err) ? err.message : String(err);
    throw new Error(`${name}: ${message}`);
  }
  try {
    mod.setFeatures(FEATURES);
    if (!mod.validate()) throw new Error(`${name}: the module does not validate`);
    binaryen.setAlwaysInlineMaxSize(ALWAYS_INLINE_MAX_SIZE);
    binaryen.setFlexibleInlineMaxSize(FLEXIBLE_INLINE_MAX_SIZE);
    binaryen.setOneCallerInlineMaxSize(ONE_CALLER_INLINE_MAX_SIZE);
    for (const name of NO_INLINE) {
      binaryen.setPassArgument('no-inline', name);
      mod.runPasses(['no-inline']);
    }
    mod.runPasses(['inlining']);
    if (!mod.validate()) throw new Error(`${name}: the module does not validate after inlining`);
    return mod.emitBinary();
  } finally {
    mod.dispose();
  }
}
