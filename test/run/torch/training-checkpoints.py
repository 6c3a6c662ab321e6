"""
Write training checkpoints the way the official X-CLIP code and torch.optim do, with real torch (run by
test/run/training-checkpoints.test.ts through /usr/bin/python3 where torch imports).

usage: training-checkpoints.py WEIGHTS.pth OUT_DIR

From a plain state dict (a fixture's weights.pth) it builds a module holding those tensors, trains a real
AdamW one step (so exp_avg / exp_avg_sq / step exist), puts the fixture's values back (the optimizer state
stays), and saves:
  main.pth            main.py's save_checkpoint: {model, optimizer, lr_scheduler (timm CosineLRScheduler's
                      state), max_accuracy, epoch, config (a yacs CfgNode with a deprecated key)}
  main-legacy.pth     the same in the legacy (non-zip) format
  ddp-fp16.pth        a DistributedDataParallel-wrapped model in fp16 (`module.` names) with a torch.optim
                      SequentialLR and a MultiStepLR (its milestones are a Counter)
  ddp-fp16-legacy.pth the same in the legacy format
yacs may not be installed: a stand-in class with yacs's name, layout and pickled form is used, so the pickle
references the same global `yacs.config.CfgNode` as the real one does.
"""
import os
import sys
import tempfile
import types

import torch
import torch.distributed as dist
from torch import nn


class CfgNode(dict):
    """yacs.config.CfgNode as pickled: a dict subclass whose __dict__ holds the four bookkeeping fields."""

    IMMUTABLE = "__immutable__"
    DEPRECATED_KEYS = "__deprecated_keys__"
    RENAMED_KEYS = "__renamed_keys__"
    NEW_ALLOWED = "__new_allowed__"

    def __init__(self, init_dict=None, key_list=None, new_allowed=False):
        init_dict = {} if init_dict is None else init_dict
        for k, v in init_dict.items():
            if type(v) is dict:
                init_dict[k] = CfgNode(v)
        super().__init__(init_dict)
        self.__dict__[CfgNode.IMMUTABLE] = False
        self.__dict__[CfgNode.DEPRECATED_KEYS] = set()
        self.__dict__[CfgNode.RENAMED_KEYS] = {"EXAMPLE.RENAMED.KEY": "EXAMPLE.KEY"}
        self.__dict__[CfgNode.NEW_ALLOWED] = new_allowed

    def __getattr__(self, name):
        if name in self:
            return self[name]
        raise AttributeError(name)

    def __setattr__(self, name, value):
        self[name] = value

    def register_deprecated_key(self, key):
        self.__dict__[CfgNode.DEPRECATED_KEYS].add(key)


yacs = types.ModuleType("yacs")
yacs_config = types.ModuleType("yacs.config")
yacs_config.CfgNode = CfgNode
yacs.config = yacs_config
CfgNode.__module__ = "yacs.config"
sys.modules.setdefault("yacs", yacs)
sys.modules.setdefault("yacs.config", yacs_config)


def official_config():
    """The shape of X-CLIP's configs/*.yaml after get_config (a few of its fields)."""
    c = CfgNode()
    c.BASE = [""]
    c.DATA = CfgNode({"ROOT": "", "TRAIN_FILE": "", "NUM_FRAMES": 8, "NUM_CLASSES": 400, "LABEL_LIST": "labels/kinetics_400_labels.csv"})
    c.MODEL = CfgNode({"ARCH": "ViT-B/32", "DROP_PATH_RATE": 0.0, "PRETRAINED": None, "RESUME": None, "FIX_TEXT": True})
    c.TRAIN = CfgNode({"EPOCHS": 30, "WARMUP_EPOCHS": 5, "WEIGHT_DECAY": 0.001, "LR": 8e-6, "BATCH_SIZE": 8,
                       "ACCUMULATION_STEPS": 1, "LR_SCHEDULER": "cosine", "OPTIMIZER": "adamw", "OPT_LEVEL": "O1"})
    c.AUG = CfgNode({"LABEL_SMOOTH": 0.1, "COLOR_JITTER": 0.8, "GRAY_SCALE": 0.2, "MIXUP": 0.8, "CUTMIX": 1.0})
    c.OUTPUT = ""
    c.SAVE_FREQ = 1
    c.PRINT_FREQ = 20
    c.SEED = 1024
    c.register_deprecated_key("MODEL.OLD_PRETRAINED")
    return c


class Holder(nn.Module):
    pass


def module_from(state):
    root = Holder()
    for name, t in state.items():
        *path, leaf = name.split(".")
        m = root
        for p in path:
            if p not in m._modules:
                m.add_module(p, Holder())
            m = m._modules[p]
        m.register_parameter(leaf, nn.Parameter(t.clone(), requires_grad=t.is_floating_point()))
    return root


def adamw_one_step(model, state, lr):
    """X-CLIP's build_optimizer: AdamW over two groups (decay / no decay); one step, then the fixture's values back."""
    decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim <= 1]
    opt = torch.optim.AdamW([{"params": decay}, {"params": no_decay, "weight_decay": 0.0}], lr=lr, betas=(0.9, 0.98), eps=1e-8, weight_decay=0.001)
    loss = sum((p.float() ** 2).sum() for p in decay + no_decay)
    loss.backward()
    opt.step()
    with torch.no_grad():
        for n, p in model.named_parameters():
            p.copy_(state[n.removeprefix("module.")])
    return opt


def timm_cosine_state():
    """timm's CosineLRScheduler.state_dict(): its __dict__ without the optimizer (what X-CLIP's scheduler saves)."""
    return {"param_group_field": "lr", "_initial_param_group_field": "initial_lr", "base_values": [8e-6, 8e-6],
            "metric": None, "t_in_epochs": False, "noise_range_t": None, "noise_pct": 0.67, "noise_type": "normal",
            "noise_std": 1.0, "noise_seed": 42, "t_initial": 3000, "lr_min": 8e-8, "cycle_mul": 1.0, "cycle_decay": 0.1,
            "cycle_limit": 1, "warmup_t": 500, "warmup_lr_init": 0, "warmup_prefix": False, "k_decay": 1.0,
            "warmup_steps": [1.6e-08, 1.6e-08]}


def main():
    src, out = sys.argv[1], sys.argv[2]
    state = torch.load(src)

    model = module_from(state)
    opt = adamw_one_step(model, state, 8e-6)
    main_ckpt = {"model": model.state_dict(), "optimizer": opt.state_dict(), "lr_scheduler": timm_cosine_state(),
                 "max_accuracy": 80.4, "epoch": 29, "config": official_config()}
    torch.save(main_ckpt, os.path.join(out, "main.pth"))
    torch.save(main_ckpt, os.path.join(out, "main-legacy.pth"), _use_new_zipfile_serialization=False)

    # One process of a DistributedDataParallel job (gloo on CPU); its state dict names every tensor `module.`.
    with tempfile.TemporaryDirectory() as rendezvous:
        dist.init_process_group("gloo", init_method=f"file://{rendezvous}/store", rank=0, world_size=1)
        ddp = nn.parallel.DistributedDataParallel(module_from(state))
        opt = adamw_one_step(ddp, state, 1e-3)
        warmup = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=5)
        cosine = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)
        sched = torch.optim.lr_scheduler.SequentialLR(opt, [warmup, cosine], milestones=[5])
        steps = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[30, 60], gamma=0.1)
        ddp.half()
        ckpt = {"model": ddp.state_dict(), "optimizer": opt.state_dict(), "lr_scheduler": sched.state_dict(),
                "step_scheduler": steps.state_dict(), "max_accuracy": 12.5, "epoch": 3}
        torch.save(ckpt, os.path.join(out, "ddp-fp16.pth"))
        torch.save(ckpt, os.path.join(out, "ddp-fp16-legacy.pth"), _use_new_zipfile_serialization=False)
        dist.destroy_process_group()


main()
