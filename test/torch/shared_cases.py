"""The shared cases (test/fixtures/cases/*.json) on the exported train.py's functions, as src/runtime/torch/py/train.py
has them: the behaviour the TypeScript (test/torch/shared-cases.test.ts) and the Python must agree on.

    python3 test/torch/shared_cases.py test/fixtures/cases

Prints {"checked": {file: items checked}, "failures": [...]} as JSON; exits 1 when a case fails.
"""
import json
import os
import sys
import types

sys.dont_write_bytecode = True  # no __pycache__ in src/
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "src", "runtime", "torch", "py"))
sys.modules["model"] = types.ModuleType("model")  # train.py imports the exported model; these functions need none of it
import train  # noqa: E402
import torch  # noqa: E402


class Draws:
    """A generator that hands out the case's draws, in order, as numpy's Generator.random() would."""

    def __init__(self, values):
        self.values = list(values)

    def random(self):
        if not self.values:
            raise AssertionError("more draws than the case gives")
        return self.values.pop(0)


def close(a, b, tol):
    return abs(a - b) <= tol * max(1.0, abs(b))


def lr_schedule(data, fail):
    for i, c in enumerate(data["cases"]):
        s = c["schedule"]
        for step, want in zip(c["steps"], c["lr"]):
            got = train.lr_at(step, s["base"], s["warmupSteps"], s["totalSteps"], s["minLr"])
            if not close(got, want, 1e-12):
                fail(f"case {i}, step {step}: lr {got}, want {want}")
        yield


def crops(data, fail):
    for c in data["resize"]:
        got = list(train.resize_short_side(c["width"], c["height"], c["short"]))
        if got != c["out"]:
            fail(f"resize {c['width']}x{c['height']} to {c['short']}: {got}, want {c['out']}")
        yield
    for i, c in enumerate(data["train"]):
        rng = Draws(c["draws"])
        got = train.train_crop(c["width"], c["height"], c["size"], rng, c["jitter"])
        if rng.values:
            fail(f"train crop {i}: {len(rng.values)} draws left unused")
        if not all(close(g, w, 1e-9) for g, w in zip(got, c["box"])):
            fail(f"train crop {i}: box {list(got)}, want {c['box']}")
        yield


def frame_indices(data, fail):
    for i, c in enumerate(data["cases"]):
        rng = Draws(c["draws"])
        got = train.train_indices(c["frames"], c["T"], rng)
        if got != c["indices"] or rng.values:
            fail(f"case {i}: indices {got} ({len(rng.values)} draws unused), want {c['indices']}")
        yield


def path_patterns(data, fail):
    for c in data["parse"]:
        want = None if c["error"] is None else c["error"].replace("`", "")
        try:
            train.parse_pattern(c["pattern"])
            got = None
        except ValueError as e:
            got = str(e)
        if got != want:
            fail(f"parse {c['pattern']!r}: {got!r}, want {want!r}")
        yield
    for c in data["match"]:
        pattern = train.parse_pattern(c["pattern"])
        got = [train.match_path(pattern, c["path"]), train.match_path_or_ancestor(pattern, c["path"])]
        if got != [c["match"], c["ancestor"]]:
            fail(f"{c['pattern']} on {c['path']!r}: match, ancestor {got}, want {[c['match'], c['ancestor']]}")
        yield


def no_decay(data, fail):
    for c in data["paths"]:
        if train.is_no_decay(c["path"]) != c["noDecay"]:
            fail(f"is_no_decay({c['path']!r}) is {not c['noDecay']}")
        yield
    for i, c in enumerate(data["groups"]):
        train.LR_SCALES = c["lrScales"]
        groups = train.groups_for([(p, None) for p in c["paths"]], c["baseDecay"], None)
        got = [{"paths": g["names"], "lrScale": g["lr_scale"], "weightDecay": g["weight_decay"]} for g in groups]
        if got != c["groups"]:
            fail(f"groups {i}: {got}, want {c['groups']}")
        yield


def label_smoothing(data, fail):
    for i, c in enumerate(data["cases"]):
        labels = torch.tensor(c["labels"])
        target = train.smoothed_targets(labels, c["classes"], c["smoothing"], torch.float64)
        if not torch.allclose(target, torch.tensor(c["targets"], dtype=torch.float64), rtol=0, atol=1e-12):
            fail(f"case {i}: targets {target.tolist()}, want {c['targets']}")
        loss = train.smoothed_cross_entropy(torch.tensor(c["logits"], dtype=torch.float64), labels, c["smoothing"]).item()
        if not close(loss, c["loss"], 1e-12):
            fail(f"case {i}: loss {loss}, want {c['loss']}")
        yield


CHECKS = {
    "lr-schedule.json": lr_schedule,
    "crops.json": crops,
    "frame-indices.json": frame_indices,
    "path-patterns.json": path_patterns,
    "no-decay.json": no_decay,
    "label-smoothing.json": label_smoothing,
}


def main(folder):
    checked, failures = {}, []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json"):
            continue
        if name not in CHECKS:
            failures.append(f"{name}: no Python check for it in {os.path.basename(__file__)}")
            continue
        with open(os.path.join(folder, name)) as f:
            data = json.load(f)
        checked[name] = sum(1 for _ in CHECKS[name](data, lambda why, name=name: failures.append(f"{name}: {why}")))
    print(json.dumps({"checked": checked, "failures": failures}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
