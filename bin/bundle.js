// The CLI as one esbuild bundle, built at first use and rebuilt whenever a source changes, so that a checkout
// needs no build step and a cold `mdl check` does not pay for tsx transpiling ~300 files at every start.
//
// The bundle is keyed by a fingerprint of the sources' paths, sizes and modification times (a few ms of stat
// calls): an edit, a new or deleted file, `git checkout` or `npm install` gives a new key, so a stale bundle
// never runs. Its files are content-addressed and each is written to a temporary name and renamed, so two
// first runs at once write the same bytes and neither sees a half-written file; old chunks stay until a
// week has passed, because a long `mdl train` may still import one of its lazy chunks.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
/** Where bundles live unless MDL_CACHE says otherwise (the tests' unwritable folder). */
const cacheDir = () => resolve(process.env.MDL_CACHE || join(root, "node_modules", ".cache", "mdl"));
/** Everything the bundle is made of, besides the bundled packages (which npm's lock files stand for). */
const SOURCE_DIRS = ["src", "grammar"];
const SOURCE_FILES = [
  "package.json",
  "package-lock.json",
  "node_modules/.package-lock.json",
  "tsconfig.json",
  "tsconfig.run.json",
  "bin/bundle.js",
  "scripts/build-prettier-plugin.mjs",
];
/** Small pure-JS packages every command loads; the rest (tfjs, onnxruntime-node, wasm and native files) resolve from node_modules. */
const BUNDLED = new Set(["zod", "chevrotain"]);
const WEEK_MS = 7 * 24 * 3600 * 1000;

/** The sources' paths, sizes and mtimes, hashed; the repository's own path too, since the bundle embeds it. */
export function fingerprint() {
  const h = createHash("sha1").update(root).update(process.version);
  const add = (rel) => {
    let s;
    try {
      s = statSync(join(root, rel), { bigint: true });
    } catch {
      h.update(`${rel}\0-\n`);
      return;
    }
    if (!s.isDirectory()) return void h.update(`${rel}\0${s.size}\0${s.mtimeNs}\n`);
    h.update(`${rel}/\n`);
    for (const e of readdirSync(join(root, rel)).sort()) add(`${rel}/${e}`);
  };
  for (const f of [...SOURCE_DIRS, ...SOURCE_FILES]) add(f);
  return h.digest("hex").slice(0, 16);
}

/** The bundle's entry (a file: URL) for the sources as they are now, built if missing; null where it cannot be built or written. */
export async function bundledCli() {
  if (process.env.MDL_NO_BUNDLE) return null;
  try {
    const pointer = join(cacheDir(), `${fingerprint()}.mjs`);
    try {
      statSync(pointer);
    } catch {
      // a preloaded module may patch fs or count writes (the tests' full-disk and signal fixtures): it sees the CLI's, not the build's
      if (preloaded()) return null;
      await build(pointer);
    }
    return pathToFileURL(pointer).href;
  } catch (err) {
    if (process.env.MDL_DEBUG_BUNDLE)
      console.error(`mdl: running through tsx; the bundle could not be built: ${err?.message ?? err}`);
    return null;
  }
}

/**
 * The prettier plugin (src/prettier/index.ts) as one JavaScript file prettier can load, built at first use
 * into the same cache and keyed by the same fingerprint; null where it cannot be built or written.
 */
export async function bundledPrettierPlugin() {
  try {
    const file = join(cacheDir(), `prettier-plugin-${fingerprint()}.mjs`);
    try {
      statSync(file);
    } catch {
      mkdirSync(cacheDir(), { recursive: true });
      const { buildPlugin } = await import("../scripts/build-prettier-plugin.mjs");
      atomicWrite(file, await buildPlugin({ outfile: file, write: false }));
      prune(cacheDir());
    }
    return pathToFileURL(file).href;
  } catch {
    return null;
  }
}

const preloaded = () =>
  [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)].some((a) =>
    /^(--import|--require|-r|--loader|--experimental-loader)\b/.test(a),
  );

/** Builds into the cache folder, then writes `pointer`, a one-line module that imports the entry chunk. */
export async function build(pointer) {
  const dir = dirname(pointer);
  mkdirSync(dir, { recursive: true });
  const esbuild = await import("esbuild");
  const r = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { main: "src/cli/main.ts" },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: `node${process.versions.node.split(".")[0]}`,
    outdir: dir,
    entryNames: "[name]-[hash]",
    chunkNames: "chunk-[hash]",
    outExtension: { ".js": ".mjs" },
    tsconfig: "tsconfig.run.json",
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    legalComments: "none",
    write: false,
    metafile: true,
    logLevel: "silent",
    plugins: [externals, ownUrls],
  });
  // waits for esbuild's process to exit, so that its CPU time is counted as this run's
  await esbuild.stop();
  for (const input of Object.keys(r.metafile.inputs)) {
    const ok = input.split("/").includes("node_modules") || SOURCE_DIRS.some((d) => input.startsWith(`${d}/`));
    if (!ok) throw new Error(`${input} is bundled but not fingerprinted (bin/bundle.js: SOURCE_DIRS)`);
  }
  let entry;
  for (const f of r.outputFiles) {
    if (relative(dir, f.path).startsWith("main-")) entry = f.path;
    writeOnce(f.path, f.contents);
  }
  atomicWrite(pointer, `import ${JSON.stringify(`./${relative(dir, entry)}`)};\n`);
  prune(dir);
}

/**
 * A content-addressed file: whoever writes it writes the same bytes, so a rename over it is harmless. One
 * already there is touched, so that no chunk of a bundle is older than the bundle and pruned before it.
 */
function writeOnce(path, bytes) {
  try {
    const now = new Date();
    utimesSync(path, now, now);
  } catch {
    atomicWrite(path, bytes);
  }
}

function atomicWrite(path, data) {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, data);
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Bundles and chunks not touched for a week, and temporaries a crashed build left behind an hour ago. */
function prune(dir) {
  const now = Date.now();
  for (const e of readdirSync(dir)) {
    try {
      const age = now - statSync(join(dir, e)).mtimeMs;
      if (age > WEEK_MS || (e.endsWith(".tmp") && age > 3600_000)) rmSync(join(dir, e), { force: true });
    } catch {
      // another run pruned it first
    }
  }
}

/** Bare imports stay imports unless the package is one of BUNDLED. */
const externals = {
  name: "mdl-externals",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (a) => {
      if (a.path.startsWith("node:")) return { external: true };
      const parts = a.path.split("/");
      const pkg = a.path.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
      return BUNDLED.has(pkg) ? undefined : { external: true };
    });
  },
};

/** `import.meta.url` in a source file means that file, not the bundle: files read beside it are still found. */
const ownUrls = {
  name: "mdl-own-urls",
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (a) => {
      if (a.path.split(sep).includes("node_modules")) return undefined;
      const text = readFileSync(a.path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      return { contents: text.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(a.path).href)), loader: "ts" };
    });
  },
};
