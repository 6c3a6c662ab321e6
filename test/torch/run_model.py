"""Run exported models (mdl export --format torch) on input.<name> tensors, in one process for many jobs.

    python3 run_model.py JOBS.json OUT.json

JOBS.json: [{"model": MODEL.py, "inputs": INPUTS.safetensors, "weights": [FILE, ...]}, ...]
OUT.json: one {weights file: {output name: {"shape": [...], "data": [...]}}} per job. Loading is strict
(build() loads with strict=True), so a missing, unexpected or misshapen key fails the run.
"""
import importlib.util
import json
import sys

import torch

torch.set_num_threads(1)
jobs_file, out_file = sys.argv[1:]
with open(jobs_file) as f:
    jobs = json.load(f)
results = []
for n, job in enumerate(jobs):
    spec = importlib.util.spec_from_file_location(f"exported{n}", job["model"])
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    io = m.read_safetensors(job["inputs"])
    args = [io["input." + name] for name in m.INPUTS]
    result = {}
    for w in job["weights"]:
        model = m.build(w).eval()
        with torch.no_grad():
            outputs = model(*args)
        assert list(outputs) == m.OUTPUTS, (list(outputs), m.OUTPUTS)
        result[w] = {k: {"shape": list(v.shape), "data": v.double().reshape(-1).tolist()} for k, v in outputs.items()}
    results.append(result)
with open(out_file, "w") as f:
    json.dump(results, f)
