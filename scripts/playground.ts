/**
 * The browser playground: `build` writes a static folder (dist/playground/) that any static host serves;
 * `serve` builds it and serves it on localhost. The compiler, the tfjs lowering and the weight loaders are
 * bundled by esbuild for browsers; the repo's models and the tiny X-CLIP fixture are copied in as data.
 *
 *   npm run playground            # build, serve, print the URL
 *   npm run playground:build      # build only
 */
import { build, type Metafile, type Plugin } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(import.meta.url), "../..");
export const OUT_DIR = join(ROOT, "dist/playground");
/** The definitions the page starts with: every model and variant of the repo (std is built into the compiler). */
const MODEL_DIRS = ["models", "models/variants"];
/** The demo checkpoint and inputs the page offers without a file picker. */
const FIXTURE = "test/fixtures/xclip-tiny-e64";

/** `import { MODELS } from "virtual:models"` gives the repo's .mdl files by repo-relative path. */
const modelsPlugin: Plugin = {
  name: "mdl-models",
  setup(b) {
    b.onResolve({ filter: /^virtual:models$/ }, () => ({ path: "models", namespace: "mdl-models" }));
    b.onLoad({ filter: /.*/, namespace: "mdl-models" }, () => {
      const files: Record<string, string> = {};
      for (const dir of MODEL_DIRS)
        for (const f of readdirSync(join(ROOT, dir))
          .filter((n) => n.endsWith(".mdl"))
          .sort())
          files[`${dir}/${f}`] = readFileSync(join(ROOT, dir, f), "utf8");
      return {
        contents: `export const MODELS = ${JSON.stringify(files)};`,
        loader: "js",
        watchFiles: MODEL_DIRS.map((d) => join(ROOT, d)),
      };
    });
  },
};

export interface BuildResult {
  dir: string;
  /** Bytes of JavaScript and WebAssembly the page can load (data files excluded). */
  bundleBytes: number;
  metafile: Metafile;
}

export async function buildPlayground(outDir = OUT_DIR): Promise<BuildResult> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, "wasm"), { recursive: true });
  mkdirSync(join(outDir, "fixtures"), { recursive: true });
  const r = await build({
    absWorkingDir: ROOT,
    entryPoints: ["playground/src/main.ts", "playground/src/worker.ts"],
    bundle: true,
    // Splitting keeps TensorFlow.js and Graphviz out of the first load: they are imported when first used.
    splitting: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: false,
    outdir: join(outDir, "assets"),
    metafile: true,
    logLevel: "warning",
    plugins: [modelsPlugin],
    define: { "process.env.NODE_ENV": '"production"' },
    alias: { "@tensorflow/tfjs": "./playground/src/run/tfjs.ts" },
  });
  for (const f of ["index.html", "style.css"]) copyFileSync(join(ROOT, "playground", f), join(outDir, f));
  const wasmDir = join(ROOT, "node_modules/@tensorflow/tfjs-backend-wasm/dist");
  for (const f of readdirSync(wasmDir).filter((n) => n.endsWith(".wasm")))
    copyFileSync(join(wasmDir, f), join(outDir, "wasm", f));
  for (const f of ["weights.safetensors", "io.safetensors"])
    copyFileSync(join(ROOT, FIXTURE, f), join(outDir, "fixtures", f));
  const bundleBytes = [...walk(join(outDir, "assets")), ...walk(join(outDir, "wasm"))].reduce(
    (n, f) => n + statSync(f).size,
    0,
  );
  return { dir: outDir, bundleBytes, metafile: r.metafile };
}

function* walk(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".safetensors": "application/octet-stream",
  ".png": "image/png",
};

/** A static file server over `dir` on 127.0.0.1; port 0 picks a free one. */
export function servePlayground(dir = OUT_DIR, port = 0): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)).replace(
      /^(\.\.[/\\])+/,
      "",
    );
    const file = join(dir, path.endsWith("/") ? `${path}index.html` : path);
    try {
      if (!file.startsWith(dir) || !statSync(file).isFile()) throw new Error("not a file");
      res.writeHead(200, {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "cache-control": "no-cache",
      });
      res.end(readFileSync(file));
    } catch {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
    }
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => {
      const a = server.address();
      ok({ server, url: `http://127.0.0.1:${typeof a === "object" && a ? a.port : port}/` });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const mode = process.argv[2] ?? "serve";
  const built = await buildPlayground();
  console.log(`built ${built.dir} (${(built.bundleBytes / 1e6).toFixed(2)} MB of JavaScript and WebAssembly)`);
  if (mode === "serve") {
    const { url } = await servePlayground(built.dir, Number(process.env.PORT ?? 5174));
    console.log(`mdl playground: ${url}  (Ctrl-C to stop)`);
  }
}
