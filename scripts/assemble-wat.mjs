// WebAssembly text to binary with wabt (a development dependency), SIMD enabled.
import wabtInit from 'wabt';

/** Returns the binary module assembled from `source`; throws with wabt's message on a syntax error. */
export async function assembleWat(source, name) {
  const wabt = await wabtInit();
  const mod = wabt.parseWat(name, source, { simd: true });
  try {
    mod.validate();
    return mod.toBinary({ log: false }).buffer;
  } finally {
    mod.destroy();
  }
}
