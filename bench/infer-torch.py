"""PyTorch baseline of bench/infer.ts: the official X-CLIP computation written out from
the X-CLIP architecture spec (the same math as microsoft/VideoX X-CLIP), run on the same
weights and inputs as mdl. Run with OPENBLAS_NUM_THREADS=2 and torch.set_num_threads(1): without OpenBLAS (Debian libopenblas0-pthread) torch runs about 30x slower.

Usage: infer-torch.py WEIGHTS.safetensors INPUTS.safetensors RUNS OUT.safetensors
Prints one JSON line: sgemm GFLOP/s, text encoding time for all names, median time per video.
"""
import json
import struct
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.set_grad_enabled(False)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + n])
    body = memoryview(data)[8 + n :]
    dtypes = {"F32": torch.float32, "I64": torch.int64, "I32": torch.int32}
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        out[name] = torch.frombuffer(bytearray(body[a:b]), dtype=dtypes[t["dtype"]]).reshape(t["shape"])
    return out


def write_safetensors(path, tensors):
    header, blobs, at = {}, [], 0
    for name, t in tensors.items():
        b = t.contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [at, at + len(b)]}
        blobs.append(b)
        at += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


W = read_safetensors(sys.argv[1])
IO = read_safetensors(sys.argv[2])
RUNS = int(sys.argv[3])


def ln(x, p):
    return F.layer_norm(x, x.shape[-1:], W[p + ".weight"], W[p + ".bias"], 1e-5)


def linear(x, p, bias=True):
    return F.linear(x, W[p + ".weight"], W[p + ".bias"] if bias else None)


def qgelu(x):
    return x * torch.sigmoid(1.702 * x)


def mha(x, p, mask=None):
    # torch.nn.MultiheadAttention, batch-first here: x [N, S, D]
    n, s, d = x.shape
    h = d // 64
    q, k, v = F.linear(x, W[p + ".in_proj_weight"], W[p + ".in_proj_bias"]).chunk(3, dim=-1)
    split = lambda t: t.reshape(n, s, h, 64).transpose(1, 2)
    q, k, v = split(q) / 8.0, split(k), split(v)
    a = q @ k.transpose(-1, -2)
    if mask is not None:
        a = a + mask
    o = (a.softmax(-1) @ v).transpose(1, 2).reshape(n, s, d)
    return F.linear(o, W[p + ".out_proj.weight"], W[p + ".out_proj.bias"])


def resblock(x, p, mask=None):
    x = x + mha(ln(x, p + ".ln_1"), p + ".attn", mask)
    return x + linear(qgelu(linear(ln(x, p + ".ln_2"), p + ".mlp.c_fc")), p + ".mlp.c_proj")


def layers(prefix):
    return sorted({int(k[len(prefix) :].split(".")[0]) for k in W if k.startswith(prefix)})


def encode_text(ids):
    x = W["token_embedding.weight"][ids] + W["positional_embedding"]
    c = ids.shape[1]
    mask = torch.full((c, c), float("-inf")).triu_(1)
    for i in layers("transformer.resblocks."):
        x = resblock(x, f"transformer.resblocks.{i}", mask)
    x = ln(x, "ln_final")
    return x[torch.arange(x.shape[0]), ids.argmax(-1)] @ W["text_projection"]


def cross_frame_block(x, p, b, t):
    bt, l, d = x.shape
    m = linear(x[:, 0], p + ".message_fc").reshape(b, t, d)
    m = m + mha(ln(m, p + ".message_ln"), p + ".message_attn")
    y = torch.cat([x, m.reshape(bt, 1, d)], dim=1)
    y = y + mha(ln(y, p + ".ln_1"), p + ".attn")
    y = y[:, :l]
    return y + linear(qgelu(linear(ln(y, p + ".ln_2"), p + ".mlp.c_fc")), p + ".mlp.c_proj")


def encode_video(video):
    b, t = video.shape[:2]
    x = F.conv2d(video.reshape(b * t, *video.shape[2:]), W["visual.conv1.weight"], stride=W["visual.conv1.weight"].shape[-1])
    x = x.flatten(2).transpose(1, 2)
    cls = W["visual.class_embedding"].expand(x.shape[0], 1, -1)
    x = ln(torch.cat([cls, x], 1) + W["visual.positional_embedding"], "visual.ln_pre")
    for i in layers("visual.transformer.resblocks."):
        x = cross_frame_block(x, f"visual.transformer.resblocks.{i}", b, t)
    cls = (ln(x[:, 0], "visual.ln_post") @ W["visual.proj"]).reshape(b, t, -1)
    patch = (ln(x[:, 1:], "prompts_visual_ln") @ W["prompts_visual_proj"]).reshape(b, t, x.shape[1] - 1, -1)
    return cls, patch


def mit(c):
    z = c + W["mit.positional_embedding"]
    for j in layers("mit.resblocks."):
        z = resblock(z, f"mit.resblocks.{j}")
    return (z + c).mean(1)


def prompts(tf, v):
    g = "prompts_generator"
    v = ln(v, g + ".norm")
    t = tf
    for i in layers(g + ".decoder."):
        p = f"{g}.decoder.{i}"
        u = ln(t, p + ".norm1")
        b, k, e = u.shape
        h = e // 64
        heads = lambda z: z.reshape(b, z.shape[1], h, e // h).transpose(1, 2)
        q = heads(linear(u, p + ".cross_attn.q_proj", False))
        kk = heads(linear(v, p + ".cross_attn.k_proj", False))
        vv = heads(linear(v, p + ".cross_attn.v_proj", False))
        a = ((q @ kk.transpose(-1, -2)) * (e // h) ** -0.5).softmax(-1)
        o = (a @ vv).transpose(1, 2).reshape(b, k, e)
        t = t + linear(o, p + ".cross_attn.proj")
        t = t + linear(qgelu(linear(ln(t, p + ".norm3"), p + ".mlp.0")), p + ".mlp.3")
    return W[g + ".alpha"] * t


def logits(video, text_features):
    cls, patch = encode_video(video)
    v = mit(cls)
    tf = text_features.unsqueeze(0).expand(v.shape[0], -1, -1)
    tp = tf + prompts(tf, patch.mean(1))
    v = v / v.norm(dim=-1, keepdim=True)
    tp = tp / tp.norm(dim=-1, keepdim=True)
    return W["logit_scale"].exp() * torch.einsum("bd,bkd->bk", v, tp)


def median(xs):
    return sorted(xs)[len(xs) // 2]


def timed(f, runs):
    f()
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return median(ts)


a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
sgemm = 2 * 2048**3 / timed(lambda: a @ b, 5) / 1e9

ids = IO["text"].long()
t0 = time.perf_counter()
text_features = encode_text(ids)
text_s = time.perf_counter() - t0
video = IO["video"]
out = logits(video, text_features)
video_s = timed(lambda: logits(video, text_features), RUNS)
write_safetensors(sys.argv[4], {"logits": out})
print(json.dumps({"sgemm_gflops": sgemm, "text_s": text_s, "video_s": video_s, "torch": torch.__version__}))
