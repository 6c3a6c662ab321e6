"""The Python every exported model carries: parameter creation with mdl's inits, the `use` member
(parameters at the parent's level of the state dict), gradient checkpointing, and checkpoint loading
with mdl's normalisation (training wrapper, DDP prefix, fp16 -> fp32, safetensors without the package).

The model file (src/runtime/torch/generate.ts) embeds what follows the EMBED line below, after its own imports,
HYPER and the ops prelude; the lines above it only let this file be compiled and linted alone.
"""
import json
import struct

import torch
import torch.utils.checkpoint
from torch import nn

HYPER = {}  # the model file's: the hyperparameters it was generated for

# ---- EMBED: the model file holds what follows ----


def param(shape, init, *args):
    """A parameter initialised as mdl's `init` says (trunc_normal is cut at [-2, 2], as torch's default)."""
    p = nn.Parameter(torch.empty(shape))
    with torch.no_grad():
        if init == "normal":
            p.normal_(0.0, args[0])
        elif init == "trunc_normal":
            nn.init.trunc_normal_(p, std=args[0], a=-2.0, b=2.0)
        elif init == "uniform":
            p.uniform_(args[0], args[1])
        elif init == "zeros":
            p.zero_()
        elif init == "ones":
            p.fill_(1.0)
        elif init == "fill":
            p.fill_(args[0])
    return p


class Block(nn.Module):
    def use(self, name, module):
        """`use name = Block(...)` in .mdl: the member's parameters and sub-modules live at this level."""
        object.__setattr__(self, name, module)
        self.__dict__.setdefault("_views", []).append(module)
        for key, p in module._parameters.items():
            self.register_parameter(key, p)
        for key, m in module._modules.items():
            self.add_module(key, m)

    @property
    def device(self):
        """Where a forward with no inputs creates tensors: its first parameter's device, else the CPU."""
        return next(self.parameters(), torch.empty(0)).device

    def __getitem__(self, key):
        """`seq { 0: ..., 3: ... }` members are numbered by key, as torch's nn.Sequential names them."""
        return self._modules[str(key)]

    def train(self, mode=True):
        super().train(mode)
        for view in self.__dict__.get("_views", ()):
            view.train(mode)
        return self


def checkpoint_if_training(owner, fn, *args):
    """`recompute` in .mdl: keep no activations of `fn` for the backward pass; recompute them there."""
    if owner.training and torch.is_grad_enabled():
        return torch.utils.checkpoint.checkpoint(fn, *args, use_reentrant=False)
    return fn(*args)


SAFETENSORS_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        raw = bytearray(data[8 + n + start : 8 + n + end])
        out[name] = torch.frombuffer(raw, dtype=SAFETENSORS_DTYPES[info["dtype"]]).reshape(info["shape"]).clone() if raw else torch.zeros(info["shape"], dtype=SAFETENSORS_DTYPES[info["dtype"]])
    return out


def read_checkpoint(path):
    """A state dict from a .safetensors or .pth file, unwrapped and named as mdl names it."""
    with open(path, "rb") as f:
        head = f.read(9)
    sd = read_safetensors(path) if len(head) == 9 and head[8:9] == b"{" else torch.load(path, map_location="cpu")
    for key in ("model", "state_dict"):
        if isinstance(sd, dict) and isinstance(sd.get(key), dict):
            sd = sd[key]  # a training checkpoint (the official main.py saves {"model": ..., "optimizer": ...})
    if sd and all(k.startswith("module.") for k in sd):
        sd = {k[len("module."):]: v for k, v in sd.items()}  # saved from DistributedDataParallel
    return {k: (v.float() if v.is_floating_point() else v) for k, v in sd.items()}


def load_weights(model, state_dict):
    """Load with strict=True; shapes that differ mean the checkpoint has other hyperparameters."""
    sd = read_checkpoint(state_dict) if isinstance(state_dict, str) else state_dict
    own = model.state_dict()
    wrong = [f"  {k}: {tuple(v.shape)} in the checkpoint, {tuple(own[k].shape)} here" for k, v in sd.items() if k in own and tuple(v.shape) != tuple(own[k].shape)]
    if wrong:
        raise ValueError(
            f"the checkpoint's shapes differ from the ones this file was generated for (HYPER = {HYPER}):\n"
            + "\n".join(wrong)
            + "\nexport again with the checkpoint: mdl export MODEL --format torch --weights CHECKPOINT"
        )
    model.load_state_dict(sd, strict=True)
    return model
