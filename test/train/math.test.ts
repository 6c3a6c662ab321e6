import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs";
import { useWasm } from "./backend.ts";
import { Rng } from "../../src/runtime/train/rng.ts";
import { lrAt } from "../../src/runtime/train/schedule.ts";
import { labelSmoothingCrossEntropy } from "../../src/runtime/tfjs/loss.ts";

const close = (a: number, b: number, rel: number, what: string) =>
  assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test.before(useWasm);

test("rng: restore continues the same stream; seeds and streams differ", () => {
  const a = Rng.seeded(7);
  for (let i = 0; i < 5; i++) a.next();
  const b = Rng.restore(JSON.parse(JSON.stringify(a.state())));
  const xs = Array.from({ length: 20 }, () => a.next());
  const ys = Array.from({ length: 20 }, () => b.next());
  assert.equal(xs, ys);
  assert.not.equal(Rng.seeded(7).next(), Rng.seeded(8).next());
  assert.not.equal(Rng.seeded(7, 0).next(), Rng.seeded(7, 1).next());
});

test("rng: uniform mean/variance, normal moments and permutations look right", () => {
  const r = Rng.seeded(1);
  const n = 20000;
  let s = 0,
    s2 = 0,
    z = 0,
    z2 = 0;
  for (let i = 0; i < n; i++) {
    const u = r.next();
    assert.ok(u >= 0 && u < 1);
    s += u;
    s2 += u * u;
    const g = r.normal();
    z += g;
    z2 += g * g;
  }
  close(s / n, 0.5, 0.01, "uniform mean");
  close(s2 / n - (s / n) ** 2, 1 / 12, 0.01, "uniform variance");
  assert.ok(Math.abs(z / n) < 0.03, "normal mean");
  close(z2 / n, 1, 0.04, "normal variance");
  const p = r.permutation(100);
  assert.equal(
    [...p].sort((x, y) => x - y),
    Array.from({ length: 100 }, (_, i) => i),
  );
  assert.not.equal(
    [...p],
    Array.from({ length: 100 }, (_, i) => i),
  );
});

test("schedule: warm-up, cosine midpoint and end", () => {
  const s = { base: 8e-6, warmupSteps: 4, totalSteps: 24, minLr: 8e-8 };
  close(lrAt(0, s), 2e-6, 1e-12, "first warm-up step");
  close(lrAt(3, s), 8e-6, 1e-12, "last warm-up step");
  close(lrAt(4, s), 8e-6, 1e-12, "cosine start");
  close(lrAt(14, s), (8e-6 + 8e-8) / 2, 1e-12, "cosine midpoint");
  // a quarter of the way: min + (base - min) * (1 + cos(pi/4)) / 2
  close(lrAt(9, s), 8e-8 + ((8e-6 - 8e-8) * (1 + Math.SQRT1_2)) / 2, 1e-12, "cosine quarter");
  close(lrAt(24, s), 8e-8, 1e-12, "end");
  close(lrAt(99, s), 8e-8, 1e-12, "past the end");
  for (let i = 4; i < 24; i++) assert.ok(lrAt(i + 1, s) <= lrAt(i, s), `monotone after warm-up at ${i}`);
});

test("label-smoothing cross-entropy matches a float64 computation", () => {
  const B = 3,
    K = 5,
    eps = 0.1;
  const r = Rng.seeded(3);
  const logits = Array.from({ length: B * K }, () => r.normal() * 3);
  const labels = [4, 0, 2];
  let expect = 0;
  for (let b = 0; b < B; b++) {
    const row = logits.slice(b * K, b * K + K);
    const mx = Math.max(...row);
    const lse = mx + Math.log(row.reduce((acc, x) => acc + Math.exp(x - mx), 0));
    for (let k = 0; k < K; k++) {
      const target = (k === labels[b] ? 1 - eps : 0) + eps / K;
      expect -= target * (row[k] - lse);
    }
  }
  expect /= B;
  const x = tf.tensor2d(logits, [B, K]);
  const got = labelSmoothingCrossEntropy(x, labels, eps);
  close(got.dataSync()[0], expect, 1e-6, "smoothed CE");
  const plain = labelSmoothingCrossEntropy(x, labels, 0);
  let nll = 0;
  for (let b = 0; b < B; b++) {
    const row = logits.slice(b * K, b * K + K);
    nll -= row[labels[b]] - Math.log(row.reduce((acc, v) => acc + Math.exp(v), 0));
  }
  close(plain.dataSync()[0], nll / B, 1e-6, "plain CE");
  tf.dispose([x, got, plain]);
});

test.run();
