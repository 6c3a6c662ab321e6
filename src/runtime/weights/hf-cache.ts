/**
 * `hf:org/name[@revision]`: a model in the local Hugging Face cache, read where and as huggingface_hub
 * writes it (file_download.py): `<cache>/models--org--name/refs/<revision>` holds a commit hash,
 * `snapshots/<hash>/` holds the files, usually symlinks into `blobs/`. Nothing is downloaded: a model that
 * is not there is an error that says where mdl looked and which command fetches it.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fail } from "../../compiler/diagnostics/diagnostic.ts";
import { isFile, isLink } from "../../util/path-kind.ts";
import { WEIGHT_FILES, isShardIndex, shardFilesOf } from "./shards.ts";

export const HF_SCHEME = "hf:";

export interface HfReference {
  spec: string;
  repo: string;
  /** A branch or tag (`main`), or a 40-hex commit hash. */
  revision: string;
}

// huggingface_hub's validate_repo_id: an optional namespace, a name of word characters, `-` and `.`.
const REPO_ID = /^(?:[\w.-]+\/)?[\w.-]{1,96}$/;
const COMMIT = /^[0-9a-f]{40}$/;

export const isHfReference = (spec: string) => spec.startsWith(HF_SCHEME);

export function parseHfReference(spec: string): HfReference {
  const body = spec.slice(HF_SCHEME.length);
  const at = body.indexOf("@");
  const repo = at < 0 ? body : body.slice(0, at);
  const revision = at < 0 ? "main" : body.slice(at + 1);
  // `--` and `..` would make the folder name ambiguous or leave the cache, as huggingface_hub refuses them too.
  if (!REPO_ID.test(repo) || repo.includes("--") || repo.includes(".."))
    fail(
      "usage",
      spec,
      `\`${spec}\` is not a Hugging Face model reference; expected hf:ORG/NAME or hf:ORG/NAME@REVISION, e.g. hf:microsoft/xclip-base-patch32`,
    );
  if (!revision || revision.split("/").some((s) => s === "" || s === "." || s === ".."))
    fail("usage", spec, `\`${revision}\` is not a revision; expected a branch, a tag or a commit hash after \`@\``);
  return { spec, repo, revision };
}

/** The hub cache folder and what chose it, in huggingface_hub's order (constants.py). */
export function hubCache(env: NodeJS.ProcessEnv = process.env): { dir: string; from: string } {
  const home = (p: string) => (p === "~" || p.startsWith("~/") ? join(homedir(), p.slice(1)) : p);
  if (env.HF_HUB_CACHE) return { dir: home(env.HF_HUB_CACHE), from: "HF_HUB_CACHE" };
  if (env.HUGGINGFACE_HUB_CACHE) return { dir: home(env.HUGGINGFACE_HUB_CACHE), from: "HUGGINGFACE_HUB_CACHE" };
  if (env.HF_HOME) return { dir: join(home(env.HF_HOME), "hub"), from: "HF_HOME/hub" };
  if (env.XDG_CACHE_HOME)
    return { dir: join(home(env.XDG_CACHE_HOME), "huggingface", "hub"), from: "XDG_CACHE_HOME/huggingface/hub" };
  return {
    dir: join(homedir(), ".cache", "huggingface", "hub"),
    from: "the default, as neither HF_HUB_CACHE nor HF_HOME is set",
  };
}

export function downloadCommand(ref: HfReference): string {
  // `huggingface-cli` is deprecated and no longer works in current huggingface_hub; `hf` replaced it.
  return `hf download ${ref.repo}${ref.revision === "main" ? "" : ` --revision ${ref.revision}`}`;
}

/** The weights file of a cached snapshot (a single file or a shard index), and where it was found. */
export function resolveHfReference(spec: string, env: NodeJS.ProcessEnv = process.env): { path: string; note: string } {
  const ref = parseHfReference(spec);
  const cache = hubCache(env);
  const repoDir = join(cache.dir, `models--${ref.repo.split("/").join("--")}`);
  const missing: (why: string) => never = (why) => fail("hf_not_cached", spec, ref.repo, why, downloadCommand(ref));
  if (!existsSync(repoDir)) missing(`no ${repoDir} (the cache folder comes from ${cache.from})`);

  let commit = ref.revision;
  if (!COMMIT.test(ref.revision)) {
    const refFile = join(repoDir, "refs", ref.revision);
    if (!isFile(refFile))
      missing(`${repoDir} has no refs/${ref.revision}, so revision \`${ref.revision}\` was never downloaded`);
    commit = readFileSync(refFile, "utf8").trim();
    if (!COMMIT.test(commit)) missing(`${refFile} holds \`${commit.slice(0, 60)}\`, not a commit hash`);
  }
  const snapshot = join(repoDir, "snapshots", commit);
  if (!existsSync(snapshot))
    missing(
      `${repoDir} has no snapshots/${commit}${commit === ref.revision ? "" : ` (the commit refs/${ref.revision} names)`}`,
    );

  const present = WEIGHT_FILES.find((f) => existsSync(join(snapshot, f)) || isLink(join(snapshot, f)));
  if (!present) {
    const has = readdirSync(snapshot).sort();
    missing(`${snapshot} has none of ${WEIGHT_FILES.join(", ")} (it holds ${has.length ? has.join(", ") : "nothing"})`);
  }
  const path = join(snapshot, present);
  checkBlob(path, missing);
  // A shard index names its shards; each must be in the snapshot too, or the download was partial.
  if (isShardIndex(present)) for (const shard of shardFilesOf(path)) checkBlob(shard, missing, present);
  const at = commit === ref.revision ? commit : `${ref.revision} = ${commit}`;
  return { path, note: `read ${ref.repo}@${at} from the Hugging Face cache: ${path}` };
}

/** A snapshot entry is a symlink into blobs/ (or a plain file where symlinks are not available); its blob must exist. */
function checkBlob(path: string, missing: (why: string) => never, index?: string): void {
  if (existsSync(path)) return;
  const listed = index ? `, listed in ${index},` : "";
  if (isLink(path))
    missing(`${path}${listed} points at ${readlinkSync(path)}, which is missing (an interrupted download)`);
  missing(`${path}${listed} is not in the snapshot`);
}
