// WebAssembly text to binary with wabt (a development dependency), SIMD and shared memory (threads) enabled.
import wabtInit from 'wabt';

const FEATURES = { simd: true, threads: true };

/** Returns the binary module assembled from `source`; throws with wabt's message on a syntax error. */
export async function assembleWat(source, name) {
  const wabt = await wabtInit();
  const mod = wabt.parseWat(name, source, FEATURES);
  try {
    mod.validate(FEATURES);
    return mod.toBinary({ log: false }).buffer;
  } finally {
    mod.destroy();
  }
}
