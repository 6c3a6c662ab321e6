"""The reference gradients for test/torch/grads.test.ts: torch autograd through an exported model, in float64.

    python3 grads.py MODEL.py WEIGHTS IO.safetensors LABELS SMOOTHING OUT.safetensors

MODEL.py is `mdl export --format torch` output; WEIGHTS loads strictly (build() uses strict=True). The model's
inputs are IO's input.<name> tensors. Loss: label-smoothed cross-entropy on the logits [B, K], target
(1 - s) one_hot(label) + s / K, mean over the batch. LABELS is comma-separated, one per batch row.

OUT holds, all F64: `logits32` (the float32 forward, as loaded, under no_grad), `logits64` and `loss` (the
float64 forward the gradients come from) and `grad.<state-dict key>` for every parameter, in the
state dict's layout.
"""
import importlib.util
import json
import struct
import sys

import torch

torch.set_num_threads(1)
model_file, weights, io_file, labels_arg, smoothing_arg, out_file = sys.argv[1:]
spec = importlib.util.spec_from_file_location("exported", model_file)
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
io = m.read_safetensors(io_file)
args = [io["input." + name] for name in m.INPUTS]

model = m.build(weights)
with torch.no_grad():
    logits32 = model.eval()(*args)["logits"]

model = model.double().train()  # train(): the mode the training step runs in (dropout rates are 0 here)
args64 = [a.double() if a.is_floating_point() else a for a in args]
logits = model(*args64)["logits"]
B, K = logits.shape
labels = torch.tensor([int(x) for x in labels_arg.split(",")], dtype=torch.int64)
assert labels.shape == (B,), (labels.shape, B)
s = float(smoothing_arg)
target = torch.full((B, K), s / K, dtype=torch.float64)
target[torch.arange(B), labels] += 1 - s
loss = -(target * torch.log_softmax(logits, dim=-1)).sum(-1).mean()
loss.backward()

out = {"logits32": logits32.double(), "logits64": logits.detach(), "loss": loss.detach().reshape(1)}
for key, p in model.named_parameters():
    assert p.grad is not None, f"{key} has no gradient"
    out["grad." + key] = p.grad
assert len(out) - 3 == len(model.state_dict()), "a state-dict entry is not a parameter"

header, blobs, offset = {}, [], 0
for name, t in out.items():
    raw = t.detach().to(torch.float64).contiguous().numpy().tobytes()
    header[name] = {"dtype": "F64", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
    blobs.append(raw)
    offset += len(raw)
head = json.dumps(header).encode()
head += b" " * (-len(head) % 8)
with open(out_file, "wb") as f:
    f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))
