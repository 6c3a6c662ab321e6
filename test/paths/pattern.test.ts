import { test } from "uvu";
import * as assert from "uvu/assert";
import { matchPath, matchPathOrAncestor, parsePattern, selectPaths } from "../../src/compiler/paths/pattern.ts";

const paths = [
  "visual",
  "visual.conv1",
  "visual.adapter",
  "visual.transformer.resblocks.0.attn",
  "visual.transformer.resblocks.0.adapter",
  "visual.transformer.resblocks.11.attn",
  "visual.transformer.resblocks.11.adapter",
  "mit.resblocks.0.attn",
  "mit.resblocks.0.adapter",
];

test("an exact path matches itself only", () => {
  assert.equal(selectPaths("visual.transformer.resblocks.11.attn", paths), ["visual.transformer.resblocks.11.attn"]);
  assert.equal(selectPaths("visual.transformer.resblocks.1.attn", paths), []);
});

test("`*` is exactly one segment", () => {
  assert.equal(selectPaths("visual.transformer.resblocks.*.attn", paths), [
    "visual.transformer.resblocks.0.attn",
    "visual.transformer.resblocks.11.attn",
  ]);
  assert.equal(selectPaths("*", paths), ["visual"]);
  assert.equal(selectPaths("*.*.0.adapter", paths), ["mit.resblocks.0.adapter"]);
});

test("`**` is any number of segments, none included", () => {
  assert.equal(selectPaths("visual.**.adapter", paths), [
    "visual.adapter",
    "visual.transformer.resblocks.0.adapter",
    "visual.transformer.resblocks.11.adapter",
  ]);
  assert.equal(selectPaths("visual.**", paths).length, 7);
  assert.equal(selectPaths("**.adapter", paths).length, 4);
  assert.equal(selectPaths("**.0.**", paths), [
    "visual.transformer.resblocks.0.attn",
    "visual.transformer.resblocks.0.adapter",
    "mit.resblocks.0.attn",
    "mit.resblocks.0.adapter",
  ]);
});

test("ancestor matching selects what a module holds", () => {
  assert.ok(
    matchPathOrAncestor("visual.transformer.resblocks.*.attn", "visual.transformer.resblocks.3.attn.in_proj_weight"),
  );
  assert.not.ok(
    matchPathOrAncestor("visual.transformer.resblocks.*.attn", "visual.transformer.resblocks.3.mlp.c_fc.weight"),
  );
  assert.not.ok(matchPathOrAncestor("visual.conv", "visual.conv1.weight"));
});

test("ancestor matching in one pass agrees with its definition: the whole path or a non-empty prefix matches", () => {
  const patterns = [
    "visual",
    "visual.**",
    "**",
    "*",
    "*.*",
    "**.attn",
    "**.0.**",
    "visual.**.adapter",
    "*.resblocks.*",
    "**.res*.0",
    "visual.transformer.resblocks.*.attn",
    "mit.**.adapter.**",
    "**.*",
  ];
  const have = [
    ...paths,
    "",
    "visual.transformer.resblocks.0.attn.in_proj_weight",
    "mit.resblocks.0.adapter.up.weight",
    "mit.resblocks",
  ];
  let hits = 0;
  for (const p of patterns)
    for (const path of have) {
      const segs = path === "" ? [] : path.split(".");
      const want = segs.some((_, n) => matchPath(p, segs.slice(0, n + 1).join(".")));
      assert.is(matchPathOrAncestor(p, path), want, `${p} vs ${path}`);
      if (want) hits++;
    }
  assert.ok(hits > 40 && hits < patterns.length * have.length, `${hits} hits`);
});

test("many `**` stay fast (memoised)", () => {
  const deep = Array.from({ length: 60 }, (_, i) => `s${i}`).join(".");
  assert.not.ok(matchPath("**.a.**.b.**.c.**.d.**.e", deep));
});

test("malformed patterns say which segment and why", () => {
  const bad = (t: string) => {
    const r = parsePattern(t);
    assert.ok("error" in r, t);
    return "error" in r ? r.error : undefined!;
  };
  assert.equal(bad("visual..attn"), { reason: "segment 2 is empty", offset: 7, length: 1 });
  assert.equal(bad("visual.res**"), {
    reason: "`res**` is not a path segment (`**` must be a whole segment)",
    offset: 7,
    length: 5,
  });
  assert.equal(
    bad("a.b-c").reason,
    "`b-c` is not a path segment (a segment is a name, an index, `*`, `**` or a name with `*` in it)",
  );
  // a `*` inside a segment globs within that segment only
  assert.ok(matchPath("visual.res*", "visual.resblocks"));
  assert.ok(matchPath("**.message_*", "visual.transformer.resblocks.3.message_fc"));
  assert.not.ok(matchPath("**.message_*", "visual.transformer.resblocks.3.attn"));
  assert.not.ok(matchPath("visual.res*", "visual.resblocks.0"));
  assert.equal(bad("").reason, "the pattern is empty");
  assert.equal(bad("a.**.**").reason, "`**.**` repeats `**`");
  assert.throws(() => matchPath("a..b", "a.b"), /segment 2 is empty/);
  const ok = parsePattern("visual.**.adapter");
  assert.ok("pattern" in ok && ok.pattern.wild);
});

test.run();
