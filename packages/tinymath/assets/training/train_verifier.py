"""Retrain tinymath-verifier on the draft's own samples (issue 18) and export it to ONNX.

The verifier is the generator's trunk, frozen, with a small head fitted on labelled samples:

  h_t      = generator hidden state after token t (frozen)
  s_t      = per-token evidence of an error at token t, from the generator's next-token
             distribution at t-1: log p(x_t), log max p, entropy, and a learned bias per token id
             e_t = softplus(MLP(features_t) + bias[x_t]) >= 0, 0 at padding / the first token
  score_t  = a + w . h_t - sum_{u <= t} e_u         (token_scores; sigmoid = P(correct))

so a token that the generator finds surprising where it is confident (a wrong digit, a skipped
step, a wrong answer) lowers every later score. Outcome score = score at the appended
end-of-text, process score = score at each step's '.', as before (same ONNX contract).
The weights are stored as float16 in the ONNX file (cast to float32 in the graph) so the file
stays under 8 MB; inputs and outputs are unchanged (int64 ids, float32 token_scores).

Data: sample-verifier-data.mjs (draft and generator samples at temperature 1 on problems from
verifier_problems.py, which excludes the dev set). Choices are made on the validation split
(best-of-16 accuracy of the draft's samples), never on the dev set.

  nice -n 19 python3 train_verifier.py DATA_DIR OUT_DIR

reads DATA_DIR/train.jsonl and DATA_DIR/valid.jsonl, writes OUT_DIR/model.onnx,
OUT_DIR/report.json and OUT_DIR/log.txt.
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ASSETS = os.path.join(HERE, "..")
# one thread: on a shared, loaded machine a second OpenMP thread mostly spins
torch.set_num_threads(1)
torch.manual_seed(0)
T0 = time.time()
LOG = []


def log(*parts):
    line = f"[{time.time() - T0:7.1f}s] " + " ".join(str(p) for p in parts)
    print(line, flush=True)
    LOG.append(line)


# ---------------------------------------------------------------- the generator, from its ONNX file
class Block(nn.Module):
    """One pre-LayerNorm GPT block, as in train.py."""

    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.ln_1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln_2 = nn.LayerNorm(d)
        self.fc = nn.Linear(d, 4 * d)
        self.fc_out = nn.Linear(4 * d, d)

    def forward(self, x, blocked, past=None):
        B, T, C = x.shape
        H, D = self.h, C // self.h
        q, k, v = self.qkv(self.ln_1(x)).split(C, dim=2)
        q = q.view(B, T, H, D).transpose(1, 2)
        k = k.view(B, T, H, D).transpose(1, 2)
        v = v.view(B, T, H, D).transpose(1, 2)
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(D))
        att = att.masked_fill(blocked, -1e9)
        y = (att.softmax(dim=-1) @ v).transpose(1, 2).reshape(B, T, C)
        x = x + self.proj(y)
        return x + self.fc_out(F.gelu(self.fc(self.ln_2(x)), approximate="tanh")), (k, v)


class Trunk(nn.Module):
    """The generator without its cache: hidden states and next-token log-probabilities."""

    def __init__(self, vocab=512, d=256, n_layer=4, n_head=4, n_pos=384):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(n_pos, d)
        self.blocks = nn.ModuleList([Block(d, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(d)

    def forward(self, input_ids, attention_mask, position_ids):
        x = self.wte(input_ids) + self.wpe(position_ids)
        T = input_ids.shape[1]
        causal = torch.ones((T, T), dtype=torch.bool, device=input_ids.device).triu(1)
        blocked = causal.unsqueeze(0).unsqueeze(0) | (attention_mask == 0).unsqueeze(1).unsqueeze(2)
        for blk in self.blocks:
            x, _ = blk(x, blocked)
        h = self.ln_f(x)
        return h, torch.log_softmax(h @ self.wte.weight.t(), dim=-1)

    def prefix_then_suffixes(self, prefix, suffixes):
        """Hidden states and log-probs of prefix + each suffix, running the prefix once (for
        featurizing many samples of one prompt). Returns per suffix (h [n,d], logp [n,V])."""
        P = len(prefix)
        x = torch.tensor(prefix).unsqueeze(0)
        hx = self.wte(x) + self.wpe(torch.arange(P).unsqueeze(0))
        causal = torch.ones((P, P), dtype=torch.bool).triu(1).unsqueeze(0).unsqueeze(0)
        past = []
        for blk in self.blocks:
            hx, kv = blk(hx, causal)
            past.append(kv)
        hp = self.ln_f(hx)[0]
        B, T = len(suffixes), max(len(s) for s in suffixes)
        ids = torch.zeros((B, T), dtype=torch.long)
        for r, s in enumerate(suffixes):
            ids[r, :len(s)] = torch.tensor(s)
        y = self.wte(ids) + self.wpe(torch.arange(P, P + T).unsqueeze(0))
        # suffix queries see the whole prefix and the suffix causally (right padding is harmless)
        blocked = torch.cat([torch.zeros((T, P), dtype=torch.bool), torch.ones((T, T), dtype=torch.bool).triu(1)], 1)
        blocked = blocked.unsqueeze(0).unsqueeze(0)
        for blk, (k, v) in zip(self.blocks, past):
            y, _ = blk(y, blocked, (k.expand(B, -1, -1, -1), v.expand(B, -1, -1, -1)))
        hs = self.ln_f(y)
        hall = [torch.cat([hp, hs[r, :len(s)]], 0) for r, s in enumerate(suffixes)]
        return [(h, torch.log_softmax(h @ self.wte.weight.t(), dim=-1)) for h in hall]


def load_generator():
    """Loads the generator's weights from assets/generator/onnx/model.onnx (names from the graph)."""
    import onnx
    from onnx import numpy_helper
    cfg = json.load(open(os.path.join(ASSETS, "generator", "config.json")))
    m = onnx.load(os.path.join(ASSETS, "generator", "onnx", "model.onnx"))
    init = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in m.graph.initializer}
    sd = {k: v for k, v in init.items() if not k.startswith("onnx::")}
    for node in m.graph.node:  # the Linear weights are anonymous MatMul inputs, [in, out]
        if node.op_type == "MatMul" and node.name.startswith("/blocks."):
            w = [x for x in node.input if x in init and x.startswith("onnx::")]
            if w:
                _, blk, layer, _ = node.name.split("/")
                sd[f"{blk}.{layer}.weight"] = init[w[0]].t().contiguous()
    trunk = Trunk(cfg["vocab_size"], cfg["n_embd"], cfg["n_layer"], cfg["n_head"], cfg["n_positions"])
    trunk.load_state_dict(sd, strict=True)
    trunk.eval()
    for p in trunk.parameters():
        p.requires_grad_(False)
    return trunk


# ---------------------------------------------------------------- the head
N_FEAT = 4


def token_features(logp, input_ids, attention_mask):
    """Per token t (from the distribution at t-1): log p(x_t), log max p, entropy, log p - log max p.
    Returns features [B,T,4] and valid [B,T] (0 at padding and at the first real token)."""
    prev = logp[:, :-1, :]
    lp = prev.gather(-1, input_ids[:, 1:].unsqueeze(-1)).squeeze(-1)
    lmax = prev.max(dim=-1).values
    ent = -(prev.exp() * prev).sum(-1)
    f = torch.stack([lp, lmax, ent, lp - lmax], dim=-1)
    f = torch.cat([torch.zeros_like(f[:, :1]), f], dim=1)
    m = attention_mask.float()
    valid = torch.cat([torch.zeros_like(m[:, :1]), m[:, 1:] * m[:, :-1]], dim=1)
    return f, valid


class Head(nn.Module):
    def __init__(self, d=256, vocab=512, hidden=16):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(N_FEAT, hidden), nn.Tanh(), nn.Linear(hidden, 1))
        self.token_bias = nn.Embedding(vocab, 1)
        nn.init.zeros_(self.token_bias.weight)
        self.base = nn.Linear(d, 1)
        nn.init.zeros_(self.base.weight)
        nn.init.constant_(self.base.bias, 3.0)

    def evidence(self, feats, ids, valid):
        return F.softplus(self.mlp(feats).squeeze(-1) + self.token_bias(ids).squeeze(-1)) * valid

    def forward(self, h, feats, ids, valid):
        return self.base(h).squeeze(-1) - torch.cumsum(self.evidence(feats, ids, valid), dim=1)


class Verifier(nn.Module):
    """The exported model: input_ids, attention_mask, position_ids -> token_scores (logits)."""

    def __init__(self, trunk, head):
        super().__init__()
        self.trunk, self.head = trunk, head

    def forward(self, input_ids, attention_mask, position_ids):
        h, logp = self.trunk(input_ids, attention_mask, position_ids)
        feats, valid = token_features(logp, input_ids, attention_mask)
        return self.head(h, feats, input_ids, valid)


# ---------------------------------------------------------------- data
def read(path):
    return [json.loads(line) for line in open(path) if line.strip()]


@torch.no_grad()
def featurize(trunk, rows):
    """Runs the frozen trunk once per example (each problem's shared prompt once); keeps per-token
    features, and the hidden state only at the scored tokens."""
    groups = {}
    for i, row in enumerate(rows):
        groups.setdefault(row["id"], []).append(i)
    out = [None] * len(rows)
    t, done = time.time(), 0
    for gi, idx in enumerate(groups.values()):
        seqs = [rows[i]["ids"] for i in idx]
        P = min(len(s) for s in seqs) - 1
        for s in seqs[1:]:
            P = min(P, next((j for j in range(P) if s[j] != seqs[0][j]), P))
        res = trunk.prefix_then_suffixes(seqs[0][:P], [s[P:] for s in seqs])
        for i, (h, logp) in zip(idx, res):
            row, n = rows[i], len(rows[i]["ids"])
            x = torch.tensor(row["ids"]).unsqueeze(0)
            f, valid = token_features(logp.unsqueeze(0), x, torch.ones_like(x))
            where = row["step_tokens"] + [n - 1]
            out[i] = {"ids": x[0], "f": f[0], "valid": valid[0],
                      "where": torch.tensor(where), "h": h[where].clone(),
                      "y": torch.tensor(row["step_labels"] + [row["orm"]], dtype=torch.float),
                      "is_orm": torch.tensor([0.0] * len(row["step_tokens"]) + [1.0])}
        done += len(idx)
        if gi % 100 == 0:
            log(f"featurized {done}/{len(rows)} ({time.time() - t:.0f} s)")
    return out


def collate(items):
    L = max(len(it["ids"]) for it in items)
    B = len(items)
    ids = torch.zeros((B, L), dtype=torch.long)
    f = torch.zeros((B, L, N_FEAT))
    valid = torch.zeros((B, L))
    bi, ti, hs, ys, orm = [], [], [], [], []
    for r, it in enumerate(items):
        n = len(it["ids"])
        ids[r, :n], f[r, :n], valid[r, :n] = it["ids"], it["f"], it["valid"]
        bi += [r] * len(it["where"])
        ti.append(it["where"])
        hs.append(it["h"])
        ys.append(it["y"])
        orm.append(it["is_orm"])
    return ids, f, valid, torch.tensor(bi), torch.cat(ti), torch.cat(hs), torch.cat(ys), torch.cat(orm)


def head_scores(head, batch):
    ids, f, valid, bi, ti, hs, _, _ = batch
    cum = torch.cumsum(head.evidence(f, ids, valid), dim=1)
    return head.base(hs).squeeze(-1) - cum[bi, ti]


def fit(train, cfg, epochs_s):
    torch.manual_seed(cfg.get("seed", 0))
    head = Head(hidden=cfg["hidden"])
    opt = torch.optim.AdamW(head.parameters(), lr=cfg["lr"], weight_decay=cfg["wd"])
    ys = torch.cat([it["y"] for it in train])
    orms = torch.cat([it["is_orm"] for it in train])
    # balance: each of (ORM, PRM) x (correct, incorrect) weighs the same in the loss
    weights = {}
    for o in (0.0, 1.0):
        for y in (0.0, 1.0):
            n = int(((orms == o) & (ys == y)).sum())
            weights[(o, y)] = (len(ys) / 4 / max(n, 1)) * (cfg["orm_weight"] if o == 1 else 1.0)
    g = torch.Generator().manual_seed(1)
    start, step = time.time(), 0
    bs = cfg["batch"]
    while time.time() - start < epochs_s:
        frac = (time.time() - start) / epochs_s
        for pg in opt.param_groups:
            pg["lr"] = cfg["lr"] * 0.5 * (1 + math.cos(math.pi * frac))
        idx = torch.randint(len(train), (bs,), generator=g).tolist()
        batch = collate([train[i] for i in idx])
        s = head_scores(head, batch)
        y, o = batch[6], batch[7]
        w = torch.where(o == 1, torch.where(y == 1, weights[(1, 1)], weights[(1, 0)]),
                        torch.where(y == 1, weights[(0, 1)], weights[(0, 0)]))
        loss = (F.binary_cross_entropy_with_logits(s, y, reduction="none") * w).sum() / w.sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 200 == 0:
            log(f"  step {step} loss {loss.item():.4f}")
        step += 1
    return head, step


@torch.no_grad()
def evaluate(head, items, rows, k=16):
    """Best-of-k and weighted-vote accuracy over problems (rows grouped by id, draft samples only),
    plus ORM/PRM AUROC over all items."""
    scores = []
    for c in range(0, len(items), 256):
        b = collate(items[c:c + 256])
        s = head_scores(head, b)
        scores.append(s)
    s = torch.cat(scores)
    ys = torch.cat([it["y"] for it in items])
    orms = torch.cat([it["is_orm"] for it in items])
    out = {"orm_auroc": auroc(s[orms == 1], ys[orms == 1]), "prm_auroc": auroc(s[orms == 0], ys[orms == 0])}
    final = s[orms == 1].tolist()
    groups = {}
    for r, row in enumerate(rows):
        if row["source"] == "draft":
            groups.setdefault(row["id"], []).append((final[r], row))
    bon = wv = maj = oracle = 0
    for rs in groups.values():
        rs = rs[:k]
        bon += max(rs, key=lambda t: t[0])[1]["orm"]
        votes, wvotes, right = {}, {}, {}
        for sc, row in rs:
            a = answer_of(row["solution"])
            if a is None:
                continue
            votes[a] = votes.get(a, 0) + 1
            wvotes[a] = wvotes.get(a, 0) + 1 / (1 + math.exp(-sc))
            right[a] = row["orm"]
        if votes:
            maj += right[max(votes, key=votes.get)]
            wv += right[max(wvotes, key=wvotes.get)]
        oracle += any(row["orm"] for _, row in rs)
    n = len(groups)
    out.update({"problems": n, "best_of_16": bon / n, "weighted_vote": wv / n, "majority": maj / n,
                "pass_at_16": oracle / n})
    return out


def answer_of(text):
    import re
    m = re.search(r"The answer is (-?\d+)\.", text)
    return int(m.group(1)) if m else None


def auroc(s, y):
    pos, neg = s[y == 1], s[y == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    ranks = torch.cat([pos, neg]).argsort().argsort().float() + 1
    return float((ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


# ---------------------------------------------------------------- export
def export(model, path):
    """TorchScript export (opset 17), then every large float32 weight stored as float16 with a
    Cast back to float32 in the graph (the computation stays float32)."""
    import onnx
    from onnx import helper, numpy_helper
    model = model.eval()
    B, T = 2, 7
    args = (torch.randint(1, 512, (B, T)), torch.ones((B, T), dtype=torch.long),
            torch.arange(T).unsqueeze(0).repeat(B, 1))
    names = ["input_ids", "attention_mask", "position_ids"]
    dyn = {n: {0: "batch_size", 1: "sequence_length"} for n in names + ["token_scores"]}
    tmp = path + ".fp32"
    torch.onnx.export(model, args, tmp, input_names=names, output_names=["token_scores"],
                      dynamic_axes=dyn, opset_version=17)
    m = onnx.load(tmp)
    os.remove(tmp)
    g = m.graph
    kept, casts = [], []
    for init in g.initializer:
        arr = numpy_helper.to_array(init)
        if init.data_type == onnx.TensorProto.FLOAT and arr.size >= 1024:
            half = numpy_helper.from_array(arr.astype("float16"), init.name + "_fp16")
            kept.append(half)
            casts.append(helper.make_node("Cast", [half.name], [init.name], to=onnx.TensorProto.FLOAT,
                                          name=f"/cast_fp16/{init.name}"))
        else:
            kept.append(init)
    del g.initializer[:]
    g.initializer.extend(kept)
    nodes = casts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    onnx.checker.check_model(m)
    onnx.save(m, path)
    log(f"exported {path}: {os.path.getsize(path)} bytes, {len(casts)} weights stored as float16")


def half_weights(model):
    """The model with its large weights (>= 1024 values) rounded to float16, as in the exported file."""
    with torch.no_grad():
        for p in model.parameters():
            if p.numel() >= 1024:
                p.copy_(p.half().float())
    return model


# ---------------------------------------------------------------- main
CONFIGS = [
    {"name": "orm1", "hidden": 16, "lr": 1e-2, "wd": 0.0, "orm_weight": 1.0, "batch": 256},
    {"name": "orm3", "hidden": 16, "lr": 1e-2, "wd": 0.0, "orm_weight": 3.0, "batch": 256},
    {"name": "orm1-h32", "hidden": 32, "lr": 1e-2, "wd": 0.0, "orm_weight": 1.0, "batch": 256},
]


def main():
    data, out = sys.argv[1], sys.argv[2]
    fit_s = float(os.environ.get("FIT_SECONDS", "60"))
    max_train = int(os.environ.get("MAX_TRAIN_PROBLEMS", "100000"))
    max_valid = int(os.environ.get("MAX_VALID_PROBLEMS", "100000"))
    os.makedirs(out, exist_ok=True)
    report = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    # the trunk's weights rounded to float16 as in the exported file, so the head is fitted and
    # validated on exactly the features the shipped model computes
    trunk = half_weights(load_generator())
    rows = {}
    for split, cap in (("train", max_train), ("valid", max_valid)):
        all_rows = read(os.path.join(data, f"{split}.jsonl"))
        keep, ids = [], []
        for r in all_rows:
            if r["id"] not in ids:
                if len(ids) == cap:
                    continue
                ids.append(r["id"])
            keep.append(r)
        rows[split] = keep
        by = {}
        for r in keep:
            e = by.setdefault(r["source"], [0, 0])
            e[0] += 1
            e[1] += r["orm"]
        report[f"{split}_data"] = {"problems": len(ids), "examples": len(keep),
                                   "by_source": {k: {"n": v[0], "correct": v[1]} for k, v in by.items()}}
        log(f"{split}: {report[f'{split}_data']}")
    t = time.time()
    feats = {split: featurize(trunk, rows[split]) for split in rows}
    report["featurize_s"] = time.time() - t
    results = []
    for cfg in CONFIGS:
        t = time.time()
        head, steps = fit(feats["train"], cfg, fit_s)
        res = evaluate(head, feats["valid"], rows["valid"])
        res.update({"config": cfg, "steps": steps, "seconds": time.time() - t})
        results.append((res["best_of_16"], res["orm_auroc"], cfg["name"], head, res))
        log(f"config {cfg['name']}: valid {json.dumps({k: v for k, v in res.items() if k != 'config'})}")
    results.sort(key=lambda r: (r[0], r[1]), reverse=True)
    best = results[0]
    report["configs"] = [r[4] for r in results]
    report["chosen"] = best[2]
    log(f"chosen on the validation split: {best[2]}")
    model = Verifier(trunk, half_weights(best[3]))
    report["valid_chosen_fp16_head"] = evaluate(best[3], feats["valid"], rows["valid"])
    export(model, os.path.join(out, "model.onnx"))
    torch.save(best[3].state_dict(), os.path.join(out, "head.pt"))
    # reference scores for the onnxruntime check (check-verifier.mjs)
    probe = [r["ids"] for r in rows["valid"][:8]]
    with torch.no_grad():
        ref = []
        for ids in probe:
            x = torch.tensor(ids).unsqueeze(0)
            ref.append(model(x, torch.ones_like(x), torch.arange(len(ids)).unsqueeze(0))[0].tolist())
    json.dump({"sequences": probe, "token_scores": ref}, open(os.path.join(out, "probe.json"), "w"))
    report["elapsed_s"] = time.time() - T0
    json.dump(report, open(os.path.join(out, "report.json"), "w"), indent=2)
    open(os.path.join(out, "log.txt"), "w").write("\n".join(LOG) + "\n")


if __name__ == "__main__":
    main()
