/**
 * A dataset's content hash, and finding the dataset a job names among a worker's own datasets. Jobs
 * carry the hash, never a path: each machine keeps the dataset where it likes (`--data-root`).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isDatasetDir } from '../data/store.js';
import { ExecLabError } from '../errors.js';

/** What a job says about the dataset it needs. */
export interface DatasetRef {
  /** The dataset's name (meta.json), for messages. */
  readonly name: string;
  /** sha256 of its content: see datasetHash. */
  readonly hash: string;
}

const hashes = new Map<string, { stamp: string; hash: string }>();

/** Files of a dataset in a fixed order, with the modification stamp that invalidates a cached hash. */
function datasetFiles(dir: string): { files: string[]; stamp: string } {
  const files = ['meta.json'];
  for (const sub of ['bars', 'context']) {
    if (existsSync(join(dir, sub))) for (const f of readdirSync(join(dir, sub)).sort()) if (f.endsWith('.arrow')) files.push(join(sub, f));
  }
  const stamp = files
    .map((f) => {
      const st = statSync(join(dir, f));
      return `${f}:${st.mtimeMs}:${st.size}`;
    })
    .join('|');
  return { files, stamp };
}

/**
 * sha256 over the dataset's content: meta.json without its provenance (where the bars were imported
 * from is not content, and differs between machines), then every day file of bars and context in
 * name order. Cached per directory until a file changes.
 */
export function datasetHash(dir: string): string {
  const { files, stamp } = datasetFiles(dir);
  const cached = hashes.get(dir);
  if (cached && cached.stamp === stamp) return cached.hash;
  const h = createHash('sha256');
  for (const f of files) {
    let bytes: Buffer | string = readFileSync(join(dir, f));
    if (f === 'meta.json') {
      const meta = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
      delete meta.provenance;
      bytes = JSON.stringify(meta);
    }
    h.update(`${f}\n${bytes.length}\n`);
    h.update(bytes);
  }
  const hash = h.digest('hex');
  hashes.set(dir, { stamp, hash });
  return hash;
}

export function datasetRef(dir: string): DatasetRef {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { name: string };
  return { name: meta.name, hash: datasetHash(dir) };
}

/** The dataset directories under `root`: root itself when it is one, and its subdirectories that are. */
export function datasetsUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  if (isDatasetDir(root)) return [root];
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && isDatasetDir(join(root, e.name)))
    .map((e) => join(root, e.name))
    .sort();
}

/**
 * The directory under `root` whose content is the job's dataset, or a refusal that says what this
 * worker has instead.
 */
export function findDataset(root: string, ref: DatasetRef): string {
  const dirs = datasetsUnder(root);
  for (const dir of dirs) if (datasetHash(dir) === ref.hash) return dir;
  const found = dirs.length === 0 ? 'no dataset there' : dirs.map((d) => `${datasetRef(d).name} (${datasetHash(d).slice(0, 12)}) in ${d}`).join(', ');
  throw new ExecLabError(
    `dataset ${ref.name} with content hash ${ref.hash.slice(0, 12)} is not under this worker's --data-root ${root}: ${found}; copy the coordinator's dataset there (or re-create it with the same command and seed)`,
  );
}
