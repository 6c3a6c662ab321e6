"""One X-CLIP-B/32 training step in PyTorch, for bench/train-b32.ts: the official X-CLIP computation
(microsoft/VideoX X-CLIP: cross-frame blocks, MIT, video-specific prompts; see shared/spec/xclip-architecture.md)
on the same shapes as mdl's benchmark: batch 1, T = 8, 224 px, K class texts whose features are cached
(text encoder frozen, MODEL.FIX_TEXT), AdamW on every other parameter, label-smoothed cross-entropy.
`--batch N` trains on N videos a step (default 1).
Self-contained: random weights, no checkpoint. Prints one JSON line per step: {"step": i, "seconds": wall, "cpu": CPU seconds of all threads, "loss": l}.
  OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/xclip_train_torch.py STEPS [--checkpoint] [--batch N]
--checkpoint recomputes each frame block in the backward (the official TRAIN.USE_CHECKPOINT).
"""
import json, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp

torch.set_num_threads(1)
torch.manual_seed(0)
STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 4
CHECKPOINT = "--checkpoint" in sys.argv
B = int(sys.argv[sys.argv.index("--batch") + 1]) if "--batch" in sys.argv else 1
T, R, P, W, LAYERS, E, K = 8, 224, 32, 768, 12, 512, 10


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


def mlp(d, h):
    return nn.Sequential(nn.Linear(d, h), QuickGELU(), nn.Linear(h, d))


class ResidualAttentionBlock(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.attn, self.ln_1, self.mlp, self.ln_2 = nn.MultiheadAttention(d, heads), nn.LayerNorm(d), mlp(d, 4 * d), nn.LayerNorm(d)

    def forward(self, x):  # [L, N, d], torch's sequence-first layout as in the official code
        y = self.ln_1(x)
        x = x + self.attn(y, y, y, need_weights=False)[0]
        return x + self.mlp(self.ln_2(x))


class CrossFrameBlock(nn.Module):
    def __init__(self, d, heads, T):
        super().__init__()
        self.T = T
        self.message_fc, self.message_ln, self.message_attn = nn.Linear(d, d), nn.LayerNorm(d), nn.MultiheadAttention(d, heads)
        self.attn, self.ln_1, self.mlp, self.ln_2 = nn.MultiheadAttention(d, heads), nn.LayerNorm(d), mlp(d, 4 * d), nn.LayerNorm(d)

    def forward(self, x):  # [L, B*T, d]
        l, bt, d = x.shape
        msg = self.message_fc(x[0]).view(bt // self.T, self.T, d).permute(1, 0, 2)  # [T, B, d]
        m = self.message_ln(msg)
        msg = msg + self.message_attn(m, m, m, need_weights=False)[0]
        msg = msg.permute(1, 0, 2).reshape(1, bt, d)
        x = torch.cat([x, msg], dim=0)
        y = self.ln_1(x)
        x = x + self.attn(y, y, y, need_weights=False)[0]
        x = x[:l]
        return x + self.mlp(self.ln_2(x))


class CrossFrameViT(nn.Module):
    def __init__(self):
        super().__init__()
        s = W ** -0.5
        self.conv1 = nn.Conv2d(3, W, P, P, bias=False)
        self.class_embedding = nn.Parameter(s * torch.randn(W))
        self.positional_embedding = nn.Parameter(s * torch.randn((R // P) ** 2 + 1, W))
        self.ln_pre, self.ln_post = nn.LayerNorm(W), nn.LayerNorm(W)
        self.resblocks = nn.ModuleList([CrossFrameBlock(W, W // 64, T) for _ in range(LAYERS)])
        self.proj = nn.Parameter(s * torch.randn(W, E))

    def forward(self, x):
        x = self.conv1(x).flatten(2).permute(0, 2, 1)
        x = torch.cat([self.class_embedding.expand(x.shape[0], 1, W), x], dim=1)
        x = self.ln_pre(x + self.positional_embedding).permute(1, 0, 2)
        for blk in self.resblocks:
            x = cp.checkpoint(blk, x) if CHECKPOINT else blk(x)
        x = x.permute(1, 0, 2)
        return self.ln_post(x[:, 0]) @ self.proj, x[:, 1:]


class MIT(nn.Module):
    def __init__(self):
        super().__init__()
        self.positional_embedding = nn.Parameter(torch.empty(1, T, E).normal_(std=0.02))
        self.resblocks = nn.Sequential(ResidualAttentionBlock(E, E // 64))

    def forward(self, x):
        y = self.resblocks((x + self.positional_embedding).permute(1, 0, 2)).permute(1, 0, 2)
        return (y + x).mean(dim=1)


class PromptGeneratorLayer(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.q_proj, self.k_proj, self.v_proj = (nn.Linear(d, d, bias=False) for _ in range(3))
        self.proj, self.norm1, self.norm3, self.mlp = nn.Linear(d, d), nn.LayerNorm(d), nn.LayerNorm(d), mlp(d, 4 * d)

    def cross_attn(self, q, kv):
        b, n, d = q.shape
        h = self.heads
        split = lambda t: t.reshape(b, -1, h, d // h).permute(0, 2, 1, 3)
        qh, kh, vh = split(self.q_proj(q)), split(self.k_proj(kv)), split(self.v_proj(kv))
        a = ((qh @ kh.transpose(-2, -1)) * (d // h) ** -0.5).softmax(dim=-1)
        return self.proj((a @ vh).permute(0, 2, 1, 3).reshape(b, n, d))

    def forward(self, t, v):
        t = t + self.cross_attn(self.norm1(t), v)
        return t + self.mlp(self.norm3(t))


class XCLIPVideoSide(nn.Module):
    """Everything that depends on the video; the text features come in cached."""

    def __init__(self):
        super().__init__()
        self.visual, self.mit = CrossFrameViT(), MIT()
        self.prompts_visual_ln = nn.LayerNorm(W)
        self.prompts_visual_proj = nn.Parameter(torch.randn(W, E))
        self.prompts_norm = nn.LayerNorm(E)
        self.prompts_decoder = nn.ModuleList([PromptGeneratorLayer(E, E // 64) for _ in range(2)])
        self.prompts_alpha = nn.Parameter(torch.full((E,), 0.1))
        self.logit_scale = nn.Parameter(torch.tensor(1 / 0.07).log())

    def forward(self, video, text):
        b = video.shape[0]
        cls, patches = self.visual(video.reshape(-1, 3, R, R))
        v = self.mit(cls.reshape(b, T, E))
        p = (self.prompts_visual_ln(patches) @ self.prompts_visual_proj).reshape(b, T, -1, E).mean(dim=1)
        t = text.unsqueeze(0).expand(b, -1, -1)
        g, pv = t, self.prompts_norm(p)
        for layer in self.prompts_decoder:
            g = layer(g, pv)
        t = t + self.prompts_alpha * g
        sim = torch.einsum("bd,bkd->bk", F.normalize(v, dim=-1), F.normalize(t, dim=-1))
        return self.logit_scale.exp() * sim


model = XCLIPVideoSide()
opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.001)
text = F.normalize(torch.randn(K, E), dim=-1)  # cached features of the frozen text encoder
for step in range(STEPS):
    video = torch.rand(B, T, 3, R, R)
    label = torch.randint(0, K, (B,))
    start, cpu = time.perf_counter(), time.process_time()
    loss = F.cross_entropy(model(video, text), label, label_smoothing=0.1)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(json.dumps({"step": step, "seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu, "loss": loss.item()}), flush=True)
