"""The distribution of each parameter X-CLIP adds to CLIP, as the official code starts it, measured in torch.

The official XCLIP (microsoft/VideoX X-CLIP, models/xclip.py, cct.py, mit.py, prompt.py) builds these modules
from torch.nn classes and then loads CLIP with strict=False, so what CLIP lacks keeps:
  - the cross-frame message layers: torch's own defaults (nn.Linear, nn.LayerNorm, nn.MultiheadAttention;
    CrossFrameCommunicationTransformer.init_weights is never called);
  - MIT: positional_embedding trunc_normal_(std=0.02), then self.apply(_init_weights): every nn.Linear
    (nn.MultiheadAttention's out_proj is one) trunc_normal_(std=0.02) with a zero bias, LayerNorms (1, 0);
  - the prompt generator: self.apply(_init_weights) likewise, alpha = ones * 0.1;
  - prompts_visual_ln (1, 0), prompts_visual_proj = randn.
Only the parameter-holding modules are built here (no forward), under the official key names; timm's
trunc_normal_ is torch.nn.init.trunc_normal_ (the same algorithm, cut at [-2, 2]).

Usage: official_init.py '{"E": 64, "Dv": 64, "T": 8, "layers": 2, "mit_layers": 1, "prompts_layers": 2, "reps": 30}'
Prints JSON: {key: {"shape", "mean", "std", "kurtosis", "const"}} pooled over `reps` fresh builds; "const" is
the value when every element of every build is the same, else null.
"""
import json, sys
from collections import OrderedDict
import torch
from torch import nn

cfg = json.loads(sys.argv[1])
E, Dv, T = cfg["E"], cfg["Dv"], cfg["T"]


def timm_init(m):
    if isinstance(m, nn.Linear):
        nn.init.trunc_normal_(m.weight, std=0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.LayerNorm):
        nn.init.zeros_(m.bias)
        nn.init.ones_(m.weight)


def module(**children):
    m = nn.Module()
    for name, child in children.items():
        setattr(m, name, child)
    return m


def mlp(d):
    return nn.Sequential(OrderedDict([("c_fc", nn.Linear(d, 4 * d)), ("gelu", nn.Identity()), ("c_proj", nn.Linear(4 * d, d))]))


def build():
    root = nn.Module()
    blocks = [module(message_fc=nn.Linear(Dv, Dv), message_ln=nn.LayerNorm(Dv), message_attn=nn.MultiheadAttention(Dv, Dv // 64))
              for _ in range(cfg["layers"])]
    root.visual = module(transformer=module(resblocks=nn.Sequential(*blocks)))

    mit = module(resblocks=nn.Sequential(*[
        module(attn=nn.MultiheadAttention(E, E // 64), ln_1=nn.LayerNorm(E), mlp=mlp(E), ln_2=nn.LayerNorm(E))
        for _ in range(cfg["mit_layers"])]))
    mit.positional_embedding = nn.Parameter(torch.empty(1, T, E))
    nn.init.trunc_normal_(mit.positional_embedding, std=0.02)
    mit.apply(timm_init)
    root.mit = mit

    def layer():
        cross = module(q_proj=nn.Linear(E, E, bias=False), k_proj=nn.Linear(E, E, bias=False),
                       v_proj=nn.Linear(E, E, bias=False), proj=nn.Linear(E, E))
        return module(cross_attn=cross, norm1=nn.LayerNorm(E), norm3=nn.LayerNorm(E),
                      mlp=nn.Sequential(nn.Linear(E, 4 * E), nn.Identity(), nn.Dropout(0.0), nn.Linear(4 * E, E)))
    pg = module(norm=nn.LayerNorm(E), decoder=nn.ModuleList([layer() for _ in range(cfg["prompts_layers"])]))
    pg.alpha = nn.Parameter(torch.ones(E) * 0.1)
    pg.apply(timm_init)
    root.prompts_generator = pg

    root.prompts_visual_ln = nn.LayerNorm(Dv)
    root.prompts_visual_proj = nn.Parameter(torch.randn(Dv, E))
    return root.state_dict()


torch.manual_seed(0)
builds = [build() for _ in range(cfg["reps"])]
out = {}
for key, first in builds[0].items():
    x = torch.stack([b[key] for b in builds]).double().flatten()
    mean = x.mean().item()
    std = x.std(unbiased=False).item()
    const = first.flatten()[0].item() if bool((x == x[0]).all()) else None
    kurtosis = (((x - mean) ** 4).mean() / std ** 4).item() if std > 0 else None
    out[key] = {"shape": list(first.shape), "mean": mean, "std": std, "kurtosis": kurtosis, "const": const}
print(json.dumps(out))
