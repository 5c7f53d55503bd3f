"""Problem splits for retraining the verifier: training and validation problems, disjoint from
each other and from the dev set (packages/tinymath/data/tinymath-dev.jsonl).

  python3 verifier_problems.py OUT_DIR [N_TRAIN] [N_VALID]

Writes OUT_DIR/train-problems.jsonl and OUT_DIR/valid-problems.jsonl, balanced over 1..5
operations like the dev set (mathgen.py's own split uses another mix). Deterministic.
"""
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mathgen  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEV = os.path.join(HERE, "..", "..", "data", "tinymath-dev.jsonl")


def balanced(seed, n, seen, tag):
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        p = mathgen.make_problem(rng, n_ops=1 + len(out) % 5)
        if p["question"] in seen:
            continue
        seen.add(p["question"])
        out.append({"id": f"{tag}-{len(out)}", **p})
    return out


def main():
    out_dir = sys.argv[1]
    n_train = int(sys.argv[2]) if len(sys.argv) > 2 else 1500
    n_valid = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    os.makedirs(out_dir, exist_ok=True)
    dev = [json.loads(line) for line in open(DEV)]
    seen = {p["question"] for p in dev}
    n_dev = len(seen)
    train = balanced(424242, n_train, seen, "vtrain")
    valid = balanced(777, n_valid, seen, "vvalid")
    questions = [p["question"] for p in train + valid]
    dev_q = {p["question"] for p in dev}
    assert len(set(questions)) == len(questions), "train/valid overlap"
    assert not dev_q & set(questions), "a dev problem leaked into train/valid"
    for name, probs in (("train", train), ("valid", valid)):
        with open(os.path.join(out_dir, f"{name}-problems.jsonl"), "w") as f:
            for p in probs:
                f.write(json.dumps(p) + "\n")
    print(f"{len(train)} train, {len(valid)} valid problems; {n_dev} dev questions excluded")


if __name__ == "__main__":
    main()
