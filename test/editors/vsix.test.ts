/**
 * `npm run vscode:package` builds a .vsix whose manifest declares what VS Code needs: the client entry
 * (bundled, present in the archive), activation on the mdl language, the grammar and the settings.
 */
import { spawnSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { needs } from "../helpers/requires.ts";

const VSIX = "editors/vscode/dist/mdl-language.vsix";
const unzipMissing =
  spawnSync("unzip", ["-v"]).status === 0 ? undefined : "unzip is not on PATH (apt-get install unzip)";

needs(test, unzipMissing)(
  "the packaged extension lists the grammar, the client entry and the activation events",
  () => {
    const built = spawnSync(process.execPath, ["scripts/vscode-package.mjs"], { encoding: "utf8" });
    assert.is(built.status, 0, built.stderr);
    const list = spawnSync("unzip", ["-Z1", VSIX], { encoding: "utf8" }).stdout.split("\n");
    const manifest = JSON.parse(
      spawnSync("unzip", ["-p", VSIX, "extension/package.json"], { encoding: "utf8" }).stdout,
    );
    assert.is(manifest.main, "./dist/extension.js");
    assert.ok(list.includes("extension/dist/extension.js"), list.join(" "));
    assert.equal(manifest.activationEvents, ["onLanguage:mdl"]);
    assert.equal(manifest.contributes.grammars, [
      { language: "mdl", scopeName: "source.mdl", path: "./syntaxes/mdl.tmLanguage.json" },
    ]);
    assert.ok(list.includes("extension/syntaxes/mdl.tmLanguage.json"));
    assert.ok(list.includes("extension/language-configuration.json"));
    assert.is(manifest.contributes.configuration.properties["mdl.server.command"].default, "mdl");
    // the client is bundled: it starts the server through vscode-languageclient and needs only `vscode`
    const bundle = spawnSync("unzip", ["-p", VSIX, "extension/dist/extension.js"], { encoding: "utf8" }).stdout;
    assert.match(bundle, /require\("vscode"\)/);
    assert.not.match(bundle, /require\("vscode-languageclient/);
    const xml = spawnSync("unzip", ["-p", VSIX, "extension.vsixmanifest"], { encoding: "utf8" }).stdout;
    assert.match(xml, /Id="mdl-language"/);
  },
);

test.run();
