#!/usr/bin/env python3
"""Differential tester: random bp programs against PyTorch (float64).

Generates random expressions over bp's elementwise, reduction and nn builtins,
runs each as a bp script and as the same computation in PyTorch, and compares
the value, the first derivative (grad with create_graph=true) and the second
(backward of the first), or that both fail. Failures are shrunk to a small
expression and printed with both outputs.

    python3 -m venv venv && venv/bin/pip install torch
    cargo build
    venv/bin/python tools/difftest/difftest.py -n 20000 --bp target/debug/bp

Not part of CI (CI has no PyTorch). See tools/difftest/README.md.
"""

import argparse
import math
import random
import subprocess
import sys

import os

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)  # tiny tensors: threads only contend

UNARY = ["exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu",
         "leaky_relu", "softplus", "sign", "neg", "clamp_min", "clamp_max",
         "clamp_both", "pow", "softmax", "log_softmax"]
BINARY = ["+", "-", "*", "/", "%", "maximum", "minimum", "**"]
REDUCE = ["sum", "mean", "max", "min", "prod"]
SHAPES = [(), (1,), (3,), (2, 3)]
NICE = [0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 1.5, 0.25, 3.0, 1.7]


def rand_value(rng):
    if rng.random() < 0.5:
        return rng.choice(NICE)
    return round(rng.uniform(-3, 3), 3)


def gen(rng, depth):
    """An expression tree: ('x',), ('c', number), (op, children..., params)."""
    r = rng.random()
    if depth == 0 or r < 0.2:
        if rng.random() < 0.75:
            return ("x",)
        return ("c", rng.choice([0.5, 2.0, -1.0, 3.0, 0.0, 1.7]))
    if r < 0.6:
        op = rng.choice(UNARY)
        p = None
        if op in ("clamp_min", "clamp_max", "pow", "leaky_relu"):
            p = rng.choice([0.0, 0.5, 1.0, -1.0, 2.0, 1.7, 3.0, -0.5])
        if op == "clamp_both":
            lo = rng.choice([-1.0, 0.0, 0.5])
            p = (lo, lo + rng.choice([0.0, 0.5, 1.0]))
        return ("u", op, gen(rng, depth - 1), p)
    if r < 0.85:
        return ("b", rng.choice(BINARY), gen(rng, depth - 1), gen(rng, depth - 1))
    return ("r", rng.choice(REDUCE), gen(rng, depth - 1), rng.choice([None, 0, -1]),
            rng.random() < 0.3)


def has_x(e):
    if e[0] == "x":
        return True
    if e[0] == "c":
        return False
    return any(has_x(c) for c in e if isinstance(c, tuple))


def num(v):
    if math.isnan(v):
        return "(0/0)"
    if math.isinf(v):
        return "(1/0)" if v > 0 else "(-1/0)"
    # In parentheses when negative: bp (like Python) reads -1.0 ** x as -(1.0 ** x).
    return f"({float(v)!r})" if v < 0 or (v == 0 and math.copysign(1, v) < 0) else repr(float(v))


# ---------------------------------------------------------------- rendering

def to_bp(e):
    k = e[0]
    if k == "x":
        return "x"
    if k == "c":
        return num(e[1])
    if k == "u":
        _, op, a, p = e
        s = to_bp(a)
        if op == "neg":
            return f"(-{s})"
        if op == "clamp_min":
            return f"clamp({s}, min={num(p)})"
        if op == "clamp_max":
            return f"clamp({s}, max={num(p)})"
        if op == "clamp_both":
            return f"clamp({s}, min={num(p[0])}, max={num(p[1])})"
        if op == "pow":
            return f"pow({s}, {num(p)})"
        if op == "leaky_relu":
            return f"leaky_relu({s}, {num(p)})"
        return f"{op}({s})"
    if k == "b":
        _, op, a, b = e
        if op in ("maximum", "minimum"):
            return f"{op}({to_bp(a)}, {to_bp(b)})"
        return f"({to_bp(a)} {op} {to_bp(b)})"
    _, op, a, axis, keep = e
    args = to_bp(a)
    if axis is not None:
        args += f", axis={axis}"
        if keep:
            args += ", keepdim=true"
    return f"{op}({args})"


def T(v):
    return v if isinstance(v, torch.Tensor) else torch.tensor(v)


def ev_torch(e, x):
    k = e[0]
    if k == "x":
        return x
    if k == "c":
        return e[1]
    if k == "u":
        _, op, a, p = e
        v = ev_torch(a, x)
        if not isinstance(v, torch.Tensor):
            v = T(v)  # bp's numbers take the same functions; values agree
            plain = True
        else:
            plain = False
        r = {
            "exp": lambda: torch.exp(v), "log": lambda: torch.log(v),
            "sqrt": lambda: torch.sqrt(v), "abs": lambda: torch.abs(v),
            "sin": lambda: torch.sin(v), "cos": lambda: torch.cos(v),
            "tanh": lambda: torch.tanh(v), "sigmoid": lambda: torch.sigmoid(v),
            "relu": lambda: torch.relu(v),
            "leaky_relu": lambda: F.leaky_relu(v, p), "softplus": lambda: F.softplus(v),
            "sign": lambda: torch.sign(v), "neg": lambda: -v,
            "clamp_min": lambda: torch.clamp(v, min=p),
            "clamp_max": lambda: torch.clamp(v, max=p),
            "clamp_both": lambda: torch.clamp(v, min=p[0], max=p[1]),
            "pow": lambda: torch.pow(v, p),
            "softmax": lambda: torch.softmax(v, -1),
            "log_softmax": lambda: torch.log_softmax(v, -1),
        }[op]()
        # bp's softmax and log_softmax of a number give a 0-d tensor.
        keep_tensor = op in ("softmax", "log_softmax")
        return r.item() if plain and r.dim() == 0 and not keep_tensor else r
    if k == "b":
        _, op, a, b = e
        u, w = ev_torch(a, x), ev_torch(b, x)
        both_plain = not isinstance(u, torch.Tensor) and not isinstance(w, torch.Tensor)
        if both_plain:
            u = T(u)
        if op == "+":
            r = u + w
        elif op == "-":
            r = u - w
        elif op == "*":
            r = u * w
        elif op == "/":
            r = T(u) / T(w) if both_plain else u / w
        elif op == "%":
            r = torch.remainder(T(u), T(w))
        elif op == "**":
            # A number exponent is pow(Tensor, Scalar) in PyTorch, as `x ** 2.0`
            # (its derivative at exponent 0 is a constant 0, not a selection).
            r = torch.pow(T(u), T(w)) if both_plain else torch.pow(u, w)
        elif op == "maximum":
            r = torch.maximum(T(u), T(w))
        else:
            r = torch.minimum(T(u), T(w))
        return r.item() if both_plain else r
    _, op, a, axis, keep = e
    v = ev_torch(a, x)
    if not isinstance(v, torch.Tensor):
        return v if op != "prod" else v
    if axis is None:
        r = {"sum": torch.sum, "mean": torch.mean, "max": torch.max, "min": torch.min,
             "prod": torch.prod}[op](v)
        if keep:
            r = r.reshape([1] * v.dim())
        return r
    if op in ("max", "min"):
        return getattr(torch, op)(v, dim=axis, keepdim=keep)[0]
    if op == "mean":
        return torch.mean(v, dim=axis, keepdim=keep)
    return getattr(torch, op)(v, dim=axis, keepdim=keep)


# ---------------------------------------------------------------- running

PRELUDE = """fn dump(tag, t) {
  if t == none { print(tag, "none"); return 0 }
  f = flatten(tensor(t))
  print(tag, "shape", shape(t))
  for i in range(numel(f)) { print(tag, item(f[i])) }
  return 0
}
"""


def bp_script(e, shape, values):
    lit = ", ".join(num(v) for v in values)
    if shape == ():
        x = f"tensor({lit}, grad)"
    else:
        x = f"reshape(tensor([{lit}]), {tuple(shape) if len(shape) > 1 else '(' + str(shape[0]) + ',)'})"
        x = f"tensor({x}, grad)"
    return (PRELUDE + f"x = {x}\ny = sum({to_bp(e)} * x)\ndump(\"V\", y)\n"
            "g = grad(y, x, create_graph=true)\ndump(\"G\", g)\n"
            "backward(sum(g))\ndump(\"H\", x.grad)\n")


def fmt(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def torch_lines(e, shape, values):
    out = []

    def dump(tag, t):
        if t is None:
            out.append(f"{tag} none")
            return
        t = T(t)
        out.append(f"{tag} shape {tuple(t.shape)}")
        for v in t.flatten().tolist():
            out.append(f"{tag} {fmt(float(v))}")

    try:
        x = torch.tensor(values).reshape(shape).clone().requires_grad_(True)
        y = torch.sum(ev_torch(e, x) * x)
        dump("V", y)
        (g,) = torch.autograd.grad(y, x, create_graph=True)
        dump("G", g)
        torch.sum(g).backward()
        dump("H", x.grad)
        return out, False
    except Exception:  # noqa: BLE001 — any failure is compared as "an error"
        return out, True


def bp_batch(runner, scripts):
    """Runs scripts in one runner process: [(lines, exit code, stderr)], or None
    for every script when the runner itself died (a crash: abort, overflow)."""
    data = "\n#---\n".join(scripts)
    p = subprocess.run([runner], input=data.encode(), capture_output=True, timeout=3600)
    results, lines, err = [], [], ""
    for line in p.stdout.decode(errors="replace").splitlines():
        if line.startswith("#err "):
            err = line[5:]
        elif line.startswith("#exit "):
            results.append((lines, int(line[6:]), err))
            lines, err = [], ""
        else:
            lines.append(line)
    if p.returncode != 0:
        results.append((None, p.returncode, p.stderr.decode(errors="replace")[-300:]))
    return results


def close(a, b):
    if a == b:
        return True
    ta, tb = a.split(" ", 1), b.split(" ", 1)
    if ta[0] != tb[0] or len(ta) < 2 or len(tb) < 2:
        return False
    try:
        x, y = float(ta[1]), float(tb[1])
    except ValueError:
        return ta[1].replace(" ", "") == tb[1].replace(" ", "")
    if math.isnan(x) and math.isnan(y):
        return True
    if math.isinf(x) or math.isinf(y):
        return x == y
    return abs(x - y) <= 1e-9 + 1e-7 * abs(y)


def compare(bp, e, shape, values, result=None):
    """None when bp and PyTorch agree, else a description of the difference."""
    if result is None:
        result = bp_batch(bp, [bp_script(e, shape, values)])[0]
    got, code, err = result
    if got is None:
        return f"bp crashed (exit {code}): {err.strip()[:300]}"
    want, failed = torch_lines(e, shape, values)
    if "internal error" in err:
        return f"bp internal error: {err.strip()[:300]}"
    if (code == 1) != failed:
        return (f"bp {'failed' if code == 1 else 'succeeded'}, torch "
                f"{'failed' if failed else 'succeeded'}\nbp: {got}\ntorch: {want}\n{err.strip()[:400]}")
    n = min(len(got), len(want)) if failed else max(len(got), len(want))
    for i in range(n):
        a = got[i] if i < len(got) else "<missing>"
        b = want[i] if i < len(want) else "<missing>"
        if not close(a, b):
            return f"line {i}: bp {a!r}, torch {b!r}\nbp: {got}\ntorch: {want}"
    return None


def kind(d):
    """A disagreement's kind: which output (V value, G first derivative, H second)
    and what sort of number each side gave (nan, inf, 0, a finite number)."""
    first = d.split("\n")[0]
    if not first.startswith("line "):
        return first[:60]

    def sort(text):
        parts = text.strip("'").split(" ", 1)
        if len(parts) < 2:
            return parts[0]
        try:
            v = float(parts[1])
        except ValueError:
            return parts[1][:20]
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return "0" if v == 0 else "finite"

    try:
        _, rest = first.split(": ", 1)
        b, t = rest.split(", torch ")
        b = b[len("bp "):]
        return f"{t.strip(chr(39)).split(' ')[0]}: bp {sort(b)}, torch {sort(t)}"
    except ValueError:
        return first[:60]


def subtrees(e):
    """Smaller candidates for shrinking: each child, x, or the node with a child shrunk."""
    if e[0] in ("x", "c"):
        return []
    kids = [c for c in e if isinstance(c, tuple)]
    out = list(kids) + [("x",)]
    for i, c in enumerate(e):
        if isinstance(c, tuple) and c[0] not in ("x", "c"):
            for s in subtrees(c):
                out.append(e[:i] + (s,) + e[i + 1:])
    return out


def size(e):
    return 1 + sum(size(c) for c in e if isinstance(c, tuple))


def shrink(bp, e, shape, values):
    while True:
        for cand in sorted(subtrees(e), key=size):
            if size(cand) < size(e) and has_x(cand) and compare(bp, cand, shape, values):
                e = cand
                break
        else:
            break
    for s in [(), (1,), (3,)]:
        if s != shape and len(s) <= len(shape):
            vals = values[: max(1, math.prod(s))]
            if compare(bp, e, s, vals):
                shape, values = s, vals
                break
    return e, shape, values


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=1000, help="programs to run")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bp", default="target/debug/examples/difftest_runner",
                    help="the runner (cargo build --example difftest_runner)")
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--show", type=int, default=10, help="failures to shrink and print")
    ap.add_argument("--mode", choices=["expressions", "programs"], default="expressions",
                    help="expressions (value, first and second derivative) or programs "
                         "(index writes, masks, lists, optimizers, .grad aliasing, f-strings: "
                         "programs.py)")
    ap.add_argument("--only", default=None,
                    help="programs mode: only the generator gen_ONLY of programs.py "
                         "(e.g. custom: backward clauses and hooks)")
    args = ap.parse_args()
    if args.mode == "programs":
        run_programs(args)
        return
    rng = random.Random(args.seed)
    agree = 0
    failures = {}
    done = 0
    try:
        run_batches(args, rng, failures, lambda: done)
    except KeyboardInterrupt:
        print("interrupted: reporting the programs run so far", file=sys.stderr)
    done, agree = STATS["done"], STATS["agree"]
    report(args, done, agree, failures)


STATS = {"done": 0, "agree": 0}


def run_batches(args, rng, failures, _):
    while STATS["done"] < args.n:
        done, agree = STATS["done"], STATS["agree"]
        batch = []
        for _ in range(min(args.batch, args.n - done)):
            e = gen(rng, args.depth)
            if not has_x(e):
                e = ("b", "*", e, ("x",))
            shape = rng.choice(SHAPES)
            batch.append((e, shape, [rand_value(rng) for _ in range(math.prod(shape))]))
        results = bp_batch(args.bp, [bp_script(*c) for c in batch])
        for case, result in zip(batch, results + [(None, -1, "runner died")] * len(batch)):
            d = compare(args.bp, *case, result=result)
            if d is None:
                agree += 1
                continue
            key = kind(d)
            failures.setdefault(key, []).append(case)
        STATS["done"], STATS["agree"] = done + len(batch), agree
        print(f"{done + len(batch)} programs, {agree} agree; kinds: "
              f"{ {k: len(v) for k, v in failures.items()} }", file=sys.stderr, flush=True)


def report(args, total, agree, failures):
    print(f"programs: {total}, agree: {agree} ({100.0 * agree / max(total, 1):.2f}%), "
          f"disagree: {total - agree} in {len(failures)} kinds")
    shown = 0
    for key, cases in sorted(failures.items(), key=lambda kv: -len(kv[1])):
        if shown >= args.show:
            break
        shown += 1
        e, shape, values = min(cases, key=lambda c: size(c[0]))
        e, shape, values = shrink(args.bp, e, shape, values)
        print(f"\n--- {len(cases)}x {key}")
        print(bp_script(e, shape, values).split(PRELUDE, 1)[1])
        print(compare(args.bp, e, shape, values))


# ---------------------------------------------------------------- programs mode

# PyTorch refuses to differentiate through a value that an in-place write changed
# after its backward saved it; bp keeps the saved value (copy on write, SPEC §13).
COPY_ON_WRITE = "modified by an inplace operation"


def compare_program(bp_src, py_src, result):
    """(class, detail): class None when both agree, else the disagreement's class."""
    import programs
    got, code, err = result
    if got is None:
        return f"bp crashed (exit {code})", err.strip()[:300]
    if "internal error" in err:
        return "bp internal error", err.strip()[:300]
    want, failed = programs.run_python(py_src)
    if code == 1 and not failed:
        msg = err.split("─")[0].strip()[:80]
        return f"bp refuses, torch accepts: {msg}", f"bp: {got}\ntorch: {want}\n{err.strip()[:400]}"
    if code != 1 and failed:
        n = len(want)
        if COPY_ON_WRITE in failed:
            # the lines before torch's refusal must still agree
            for a, b in zip(got[:n], want):
                if not close(a, b):
                    return f"value: bp {a!r}, torch {b!r}", f"bp: {got}\ntorch: {want}"
            return "documented: torch refuses a write into a saved value (bp: copy on write)", failed
        return f"torch refuses, bp accepts: {failed[:80]}", f"bp: {got}\ntorch: {want}"
    n = min(len(got), len(want)) if failed else max(len(got), len(want))
    for i in range(n):
        a = got[i] if i < len(got) else "<missing>"
        b = want[i] if i < len(want) else "<missing>"
        if not close(a, b):
            tag = (b if b != "<missing>" else a).split(" ")[0]
            return f"value {tag}", f"line {i}: bp {a!r}, torch {b!r}\nbp: {got}\ntorch: {want}"
    return None, None


def run_programs(args):
    import programs
    rng = random.Random(args.seed)
    done = agree = 0
    classes = {}
    try:
        while done < args.n:
            batch = [programs.generate(rng, args.only)
                     for _ in range(min(args.batch, args.n - done))]
            results = bp_batch(args.bp, [PRELUDE + b for b, _ in batch])
            results += [(None, -1, "runner died")] * (len(batch) - len(results))
            for (bsrc, psrc), result in zip(batch, results):
                cls, detail = compare_program(bsrc, psrc, result)
                if cls is None or cls.startswith("documented"):
                    agree += cls is None
                if cls is not None:
                    classes.setdefault(cls, []).append((bsrc, psrc, detail))
            done += len(batch)
            print(f"{done} programs, {agree} agree; classes: "
                  f"{ {k: len(v) for k, v in classes.items()} }", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print("interrupted: reporting the programs run so far", file=sys.stderr)
    failing = sum(len(v) for k, v in classes.items() if not k.startswith("documented"))
    print(f"programs: {done}, agree: {agree}, documented differences: "
          f"{done - agree - failing}, disagree: {failing} in "
          f"{sum(1 for k in classes if not k.startswith('documented'))} classes")
    for key, cases in sorted(classes.items(), key=lambda kv: -len(kv[1]))[: args.show]:
        bsrc, psrc, detail = min(cases, key=lambda c: len(c[0]))
        print(f"\n--- {len(cases)}x {key}\n{bsrc}--- python:\n{psrc}--- {detail}")


if __name__ == "__main__":
    main()
