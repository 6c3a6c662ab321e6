/** Provided by the build (scripts/playground.ts): the repo's .mdl files by repo-relative path. */
declare module "virtual:models" {
  export const MODELS: Record<string, string>;
}
