"""Statement-level programs for the differential tester (`difftest.py --mode programs`).

Each generated case is one small program written twice, as bp and as Python with
PyTorch (float64), from the same random choices: index writes (numbers and values
that require grad, into leaves under no_grad, into zeros, into recorded results,
broadcast, `op=`), bool masks and tensor indices (1-d) read and written,
NumPy/PyTorch indexing (integers, slices, none, masks, index tensors, lists and
ranges broadcast together) read with two derivatives and written,
comparisons and their display, lists, optimizer steps against torch.optim,
`.grad` aliasing across two backward passes, f-string formatting of special
floats, and the v3 language: `//`, strings, dicts, the collection builtins,
PyTorch's habits (`.data`, `.grad = none`, `requires_grad`, `clone`), comprehensions,
`a if c else b` and `for` with tuple targets, and functions with a backward clause and
hooks (against `torch.autograd.Function` and `Tensor.register_hook`). Both print lines
`TAG value`; the lines are compared as in difftest.py.
"""

import math
import random

import torch

NICE = [0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 1.5, 0.25, 3.0, 1.7]


def val(rng):
    return rng.choice(NICE) if rng.random() < 0.5 else round(rng.uniform(-3, 3), 3)


def lit(v):
    """A number as both languages read it (negative in parentheses)."""
    return f"({float(v)!r})" if v < 0 else repr(float(v))


def vec(vals):
    return "[" + ", ".join(lit(v) for v in vals) + "]"


class Prog:
    """Two programs built line by line: bp and Python."""

    def __init__(self):
        self.bp, self.py = [], []
        self.indent = ""

    def both(self, bp, py=None):
        self.bp.append(self.indent + bp)
        self.py.append(self.indent + (bp if py is None else py))


# --------------------------------------------------------------- index writes

def index_choice(rng, n, name):
    """An index into a 1-d tensor of n and the size it selects (None: one element).
    Returns (bp text, python text, selected size)."""
    r = rng.random()
    if r < 0.3:
        i = rng.randrange(-n, n)
        return str(i), str(i), None
    if r < 0.55:
        a = rng.randrange(0, n)
        b = rng.randrange(a + 1, n + 1)
        return f"{a}:{b}", f"{a}:{b}", b - a
    if r < 0.8:
        c = lit(rng.choice([-1.0, 0.0, 0.5, 1.0]))
        op = rng.choice([">", "<", ">=", "!="])
        return f"{name} {op} {c}", f"{name}.detach() {op} {c}", "mask"
    k = rng.randrange(1, 4)
    idx = [rng.randrange(-n, n) for _ in range(k)]
    if rng.random() < 0.5:
        # no repeats: the value written at a repeated index is then unambiguous
        idx = list(dict.fromkeys(i % n for i in idx))
    text = "[" + ", ".join(str(i) for i in idx) + "]"
    return text, f"torch.tensor({text})", len(idx)


def gen_write(rng, p):
    """x (grad) and w (grad); a target written with values made from w."""
    n = rng.randrange(2, 6)
    xs = [val(rng) for _ in range(n)]
    ws = [val(rng) for _ in range(n)]
    p.both(f"x = tensor({vec(xs)}, grad)", f"x = torch.tensor({vec(xs)}, requires_grad=True)")
    p.both(f"w = tensor({vec(ws)}, grad)", f"w = torch.tensor({vec(ws)}, requires_grad=True)")
    kind = rng.choice(["zeros", "result", "result", "leaf_no_grad", "const"])
    if kind == "zeros":
        p.both(f"y = zeros({n})", f"y = torch.zeros({n})")
    elif kind == "result":
        c = lit(val(rng))
        f = rng.choice(["x * {c}", "x + {c}", "x * x", "tanh(x)", "x * w"])
        e = f.format(c=c)
        p.both(f"y = {e}", f"y = {e.replace('tanh(', 'torch.tanh(')}")
        # PyTorch refuses an in-place write into a value its backward saved
        # (tanh's result, x * x's inputs); bp keeps the old value (copy on write).
        # Such programs are compared on the written values only.
    elif kind == "leaf_no_grad":
        p.both("y = x", "y = x")
    else:
        ys = [val(rng) for _ in range(n)]
        p.both(f"y = tensor({vec(ys)})", f"y = torch.tensor({vec(ys)})")
    for _ in range(rng.randrange(1, 3)):
        bi, pi, size = index_choice(rng, n, "y")
        r = rng.random()
        if r < 0.25:
            v = lit(val(rng))
            vb = vp = v
        elif r < 0.5:
            k = rng.randrange(n)
            vb = vp = f"w[{k}] * {lit(val(rng))}"
        elif r < 0.75 and isinstance(size, int) and size <= n:
            a = rng.randrange(0, n - size + 1)
            vb = vp = f"w[{a}:{a + size}]"
        else:
            k = rng.randrange(n)
            vb, vp = f"exp(w[{k}])", f"torch.exp(w[{k}])"
        op = rng.choice(["=", "=", "+=", "*=", "-="])
        if kind == "leaf_no_grad":
            # the leaf x can be written only under no_grad (PyTorch's one refusal)
            p.both("no_grad {", "with torch.no_grad():")
            p.indent = "    "
            p.both(f"y[{bi}] {op} {vb}", f"y[{pi}] {op} {vp}")
            p.indent = ""
            p.both("}", "pass")
        else:
            p.both(f"y[{bi}] {op} {vb}", f"y[{pi}] {op} {vp}")
    p.both('dump("Y", y)')
    p.both("if y.requires_grad {", "if y.requires_grad:")
    p.indent = "    "
    c = vec([val(rng) for _ in range(n)])
    p.both(f"backward(sum(y * {c}))", f"torch.sum(y * torch.tensor({c})).backward()")
    p.indent = ""
    p.both("}", "pass")
    p.both('dump("X", x.grad)')
    p.both('dump("W", w.grad)')


def gen_write_2d(rng, p):
    """Writes into a 2-d recorded result or zeros, broadcast over rows."""
    r, c = rng.randrange(1, 4), rng.randrange(2, 4)
    ws = [val(rng) for _ in range(c)]
    p.both(f"w = tensor({vec(ws)}, grad)", f"w = torch.tensor({vec(ws)}, requires_grad=True)")
    if rng.random() < 0.5:
        p.both(f"B = zeros({r}, {c})", f"B = torch.zeros({r}, {c})")
    else:
        p.both(f"B = ones({r}, {c}) * w", f"B = torch.ones({r}, {c}) * w")
    a = rng.randrange(0, c)
    choice = rng.random()
    if choice < 0.3:
        p.both(f"B[:, {a}:] = w[{a}:]")
    elif choice < 0.6:
        i = rng.randrange(r)
        p.both(f"B[{i}] = w * {lit(val(rng))}")
    elif choice < 0.8:
        i = rng.randrange(r)
        p.both(f"B[{i}, {a}] = w[{a}] ** 2")
    else:
        p.both(f"B[B > 0.5] = {lit(val(rng))}")
    wts = [[val(rng) for _ in range(c)] for _ in range(r)]
    wl = "[" + ", ".join(vec(row) for row in wts) + "]"
    p.both('dump("B", B)')
    p.both("if B.requires_grad {", "if B.requires_grad:")
    p.indent = "    "
    p.both(f"backward(sum(B * {wl}))", f"torch.sum(B * torch.tensor({wl})).backward()")
    p.indent = ""
    p.both("}", "pass")
    p.both('dump("W", w.grad)')


# ------------------------------------------------------------ masks and gathers

def gen_select(rng, p):
    two_d = rng.random() < 0.4
    if two_d:
        r, c = rng.randrange(1, 4), rng.randrange(1, 4)
        vals = [[val(rng) for _ in range(c)] for _ in range(r)]
        text = "[" + ", ".join(vec(row) for row in vals) + "]"
        n = r
    else:
        n = rng.randrange(1, 6)
        text = vec([val(rng) for _ in range(n)])
    p.both(f"X = tensor({text}, grad)", f"X = torch.tensor({text}, requires_grad=True)")
    k = rng.random()
    if k < 0.35:
        cst = lit(rng.choice([-1.0, 0.0, 0.5, 1.0]))
        op = rng.choice([">", "<", "==", "<=", "!="])
        p.both(f"m = X {op} {cst}")
        p.both("print(m)")
        p.both('dump("M", m)')
        p.both("S = X[m]")
    elif k < 0.6 and two_d:
        labels = [rng.choice([0.0, 1.0]) for _ in range(n)]
        p.both(f"lab = tensor({vec(labels)})", f"lab = torch.tensor({vec(labels)})")
        p.both("S = X[lab == 1]")
    else:
        idx = [rng.randrange(-n, n) for _ in range(rng.randrange(1, 5))]
        t = "[" + ", ".join(str(i) for i in idx) + "]"
        p.both(f"S = X[{t}]", f"S = X[torch.tensor({t})]")
    p.both('dump("S", S)')
    p.both("if numel(S) > 0 {", "if S.numel() > 0:")
    p.indent = "    "
    p.both("backward(sum(S * S))", "torch.sum(S * S).backward()")
    p.both('dump("G", X.grad)')
    p.indent = ""
    p.both("}", "pass")
    # bool tensors count as 0 and 1
    p.both("c = X > 0", "c = X > 0")
    p.both('dump("C", sum(c))', 'dump("C", torch.sum(c).double())')
    p.both('dump("F", mean(c))', 'dump("F", torch.mean(c.double()))')
    p.both('dump("A", c * 2 + 1)')
    p.both('dump("L", logical_and(c, X < 1))', 'dump("L", torch.logical_and(c, X < 1))')
    p.both('dump("N", logical_not(c))', 'dump("N", torch.logical_not(c))')
    p.both('dump("Q", any(c))', 'dump("Q", torch.any(c))')
    p.both('dump("R", all(c))', 'dump("R", torch.all(c))')
    p.both("print(logical_or(c, X < -1))", "print(torch.logical_or(c, X < -1))")


# ------------------------------------------------------------ .grad aliasing

def gen_alias(rng, p):
    n = rng.randrange(1, 4)
    xs = [val(rng) for _ in range(n)]
    p.both(f"x = tensor({vec(xs)}, grad)", f"x = torch.tensor({vec(xs)}, requires_grad=True)")
    a, b = lit(val(rng)), lit(val(rng))
    p.both(f"backward(sum(x * x * {a}))", f"torch.sum(x * x * {a}).backward()")
    p.both("g = x.grad")
    p.both(f"backward(sum(x * {b}))", f"torch.sum(x * {b}).backward()")
    p.both('dump("G", g)')
    if rng.random() < 0.5:
        p.both("zero_grad(x)", "x.grad = None")
        p.both('dump("Z", x.grad)')
        p.both("backward(sum(x))", "torch.sum(x).backward()")
        p.both('dump("G", g)')
        p.both('dump("H", x.grad)')


# ------------------------------------------------------------ lists

def gen_list(rng, p):
    n = rng.randrange(1, 4)
    xs = [val(rng) for _ in range(n)]
    p.both(f"x = tensor({vec(xs)}, grad)", f"x = torch.tensor({vec(xs)}, requires_grad=True)")
    p.both("xs = list()", "xs = list()")
    for _ in range(rng.randrange(1, 4)):
        c = lit(val(rng))
        f = rng.choice(["x * {c}", "x + {c}", "sin(x)"]).format(c=c)
        p.both(f"xs.append({f})", f"xs.append({f.replace('sin(', 'torch.sin(')})")
    if rng.random() < 0.5:
        p.both("xs.pop()")
    if rng.random() < 0.5 and True:
        p.both("xs[0] = xs[0] * 2")
    p.both("t = x * 0", "t = x * 0")
    p.both("for v in xs {", "for v in xs:")
    p.indent = "    "
    p.both("t = t + v")
    p.indent = ""
    p.both("}", "pass")
    p.both('dump("L", len(xs))', 'dump("L", len(xs))')
    p.both("backward(sum(t * t))", "torch.sum(t * t).backward()")
    p.both('dump("G", x.grad)')


# ------------------------------------------------------------ optimizers

def gen_optim(rng, p):
    n = rng.randrange(1, 4)
    ws = [val(rng) for _ in range(n)]
    ts = [val(rng) for _ in range(n)]
    p.both(f"w = tensor({vec(ws)}, grad)", f"w = torch.tensor({vec(ws)}, requires_grad=True)")
    p.both(f"frozen = tensor({vec(ts)})", f"frozen = torch.tensor({vec(ts)})")
    lr = rng.choice([0.01, 0.1, 0.5])
    kind = rng.choice(["sgd", "adam", "adamw"])
    if kind == "sgd":
        mom = rng.choice([0.0, 0.9])
        wd = rng.choice([0.0, 0.1])
        nest = mom > 0 and rng.random() < 0.3
        bp_opt = f"sgd((w, frozen), lr={lr}, momentum={mom}, weight_decay={wd}" + (", nesterov=true)" if nest else ")")
        py_opt = f"torch.optim.SGD([w, frozen], lr={lr}, momentum={mom}, weight_decay={wd}, nesterov={nest})"
    else:
        wd = rng.choice([0.0, 0.01, 0.1])
        name = "Adam" if kind == "adam" else "AdamW"
        bp_opt = f"{kind}((w, frozen), lr={lr}, weight_decay={wd})"
        py_opt = f"torch.optim.{name}([w, frozen], lr={lr}, weight_decay={wd})"
    p.both(f"opt = {bp_opt}", f"opt = {py_opt}")
    steps = rng.randrange(1, 5)
    p.both(f"for i in range({steps}) {{", f"for i in range({steps}):")
    p.indent = "    "
    p.both("opt.zero_grad()")
    p.both("backward(sum((w - frozen) ** 2 * w))", "torch.sum((w - frozen) ** 2 * w).backward()")
    p.both("opt.step()")
    p.indent = ""
    p.both("}", "pass")
    p.both('dump("W", w)')
    p.both('dump("F", frozen)')


# ------------------------------------------------------------ f-strings

SPECIAL = [("0/0", "float('nan')"), ("-(0/0)", "-float('nan')"), ("1/0", "float('inf')"),
           ("-1/0", "-float('inf')"), ("0.0", "0.0"), ("-0.0", "-0.0"), ("1.5", "1.5"),
           ("123456.789", "123456.789"), ("0.0000001", "0.0000001"), ("-2.5", "-2.5")]
SPECS = ["g", ".4f", "e", ".2%", "+g", ">8.3f", ".3g", ",.2f", "<7g", "^9.1e", "+.0f", ".10g"]


def gen_fstring(rng, p):
    for _ in range(rng.randrange(1, 4)):
        b, py = rng.choice(SPECIAL)
        spec = rng.choice(SPECS)
        if rng.random() < 0.3:
            b = f"tensor({b})"
            py = f"torch.tensor({py})"
        p.both(f"v = {b}", f"v = {py}")
        p.both(f'print(f"[{{v:{spec}}}]")')


# ------------------------------------------------------------ advanced indexing

def tup(shape):
    """A shape as a tuple text both languages read: `(3,)`, `(2, 3)`."""
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(d) for d in shape) + ")"


def int_list(vals):
    return "[" + ", ".join(str(int(v)) for v in vals) + "]"


def nested(vals, shape):
    """Whole numbers `vals` (row-major) as a nested list text of `shape`."""
    if len(shape) == 1:
        return int_list(vals)
    step = len(vals) // shape[0]
    return "[" + ", ".join(nested(vals[i * step:(i + 1) * step], shape[1:])
                           for i in range(shape[0])) + "]"


def index_tensor_text(rng, vals, shape):
    """An index tensor of whole numbers in one of bp's spellings, and PyTorch's."""
    t = nested(vals, shape)
    if len(shape) > 1:
        return t, f"torch.tensor({t})"
    r = rng.random()
    if r < 0.3:
        return t, t  # a bracket literal (a tensor in bp, a list in Python)
    if r < 0.5:
        inner = ", ".join(str(int(v)) for v in vals) + ("," if len(vals) == 1 else "")
        return f"list(({inner}))", f"list(({inner}))"
    if r < 0.7 and len(vals) > 0 and all(b - a == 1 for a, b in zip(vals, vals[1:])) and vals[0] >= 0:
        return f"range({vals[0]}, {vals[-1] + 1})", f"range({vals[0]}, {vals[-1] + 1})"
    return f"tensor({t})", f"torch.tensor({t})"


def gen_index_entries(rng, shape):
    """A random NumPy/PyTorch index for a tensor of `shape`: integers, slices, none,
    index tensors (lists, ranges, tensors; broadcast together) and masks.
    Returns the bp text and the Python text of the index."""
    # the broadcast shape of the index tensors, and each one's own shape
    bshape = [rng.randrange(1, 4) for _ in range(rng.choice([1, 1, 1, 2]))]
    entries = []
    axis = 0
    while axis < len(shape):
        if entries and rng.random() < 0.2:
            break  # the rest taken whole
        r = rng.random()
        n = shape[axis]
        if r < 0.12:
            entries.append(("none", "None"))
            continue
        if r < 0.3:
            i = rng.randrange(-n, n)
            entries.append((str(i), str(i)))
        elif r < 0.48:
            a = rng.randrange(0, n)
            b = rng.randrange(a, n + 1)
            st = rng.choice([1, 1, 2])
            t = f"{a}:{b}" if st == 1 else f"{a}:{b}:{st}"
            entries.append((t, t))
        elif r < 0.58 and axis + 1 <= len(shape):
            k = 2 if axis + 2 <= len(shape) and rng.random() < 0.3 else 1
            mshape = shape[axis:axis + k]
            cnt = 1
            for d in mshape:
                cnt *= d
            vals = [rng.choice([-1.0, 0.5, 1.0]) for _ in range(cnt)]
            if k == 1:
                t = vec(vals)
            else:
                t = "[" + ", ".join(vec(vals[i * mshape[1]:(i + 1) * mshape[1]])
                                    for i in range(mshape[0])) + "]"
            entries.append((f"(tensor({t}) > 0)", f"(torch.tensor({t}) > 0)"))
            axis += k
            continue
        else:
            own = list(bshape)
            if rng.random() < 0.3:
                own = [1 if rng.random() < 0.5 else d for d in own]
            if len(own) > 1 and rng.random() < 0.3:
                own = own[1:]
            cnt = 1
            for d in own:
                cnt *= d
            vals = [rng.randrange(-n, n) for _ in range(cnt)]
            entries.append(index_tensor_text(rng, vals, own))
        axis += 1
    if not entries:
        entries.append((":", ":"))
    return ", ".join(e[0] for e in entries), ", ".join(e[1] for e in entries)


def gen_advanced(rng, p):
    """Reads and writes with NumPy/PyTorch indices; first and second derivatives."""
    shape = [rng.randrange(1, 4) for _ in range(rng.randrange(1, 4))]
    numel = 1
    for d in shape:
        numel *= d
    xs = [val(rng) for _ in range(numel)]
    dims = ", ".join(str(d) for d in shape)
    p.both(f"X = tensor(reshape(tensor({vec(xs)}), {tup(shape)}), grad)",
           f"X = torch.tensor({vec(xs)}).reshape({tup(shape)}).requires_grad_()")
    bi, pi = gen_index_entries(rng, shape)
    # the selection as PyTorch sees it: its shape, and whether positions repeat
    probe = torch.arange(float(numel)).reshape(shape)
    try:
        sel = eval(f"probe[{pi}]", {"torch": torch, "probe": probe})  # noqa: S307
    except Exception:  # noqa: BLE001 — an index torch refuses: compare the refusals
        sel = None
    if sel is None or rng.random() < 0.5:
        c = lit(val(rng))
        p.both(f"S = X[{bi}]", f"S = X[{pi}]")
        p.both('dump("S", S)')
        p.both(f"y = sum(tanh(S) * S * {c})", f"y = torch.sum(torch.tanh(S) * S * {c})")
        p.both("g = grad(y, X, create_graph=true)",
               "g = torch.autograd.grad(y, X, create_graph=True)[0]")
        p.both('dump("G", g)')
        p.both("backward(sum(g * g))", "torch.sum(g * g).backward()")
        p.both('dump("H", X.grad)')
        return
    sshape = list(sel.shape)
    flat = sel.flatten().tolist()
    repeats = len(set(flat)) != len(flat)
    target = rng.choice(["zeros", "result"])
    if target == "zeros":
        p.both(f"Y = zeros({dims})", f"Y = torch.zeros({dims})")
    else:
        p.both(f"Y = X * {lit(val(rng))}")
    # the value: a number, or made from w (grad) of the selection's shape or a suffix
    if repeats or rng.random() < 0.25:
        v = lit(val(rng))
        p.both(f"Y[{bi}] = {v}", f"Y[{pi}] = {v}")
        p.both("w = zeros(1)", "w = torch.zeros(1)")
    else:
        vshape = sshape[rng.randrange(0, len(sshape) + 1):] if sshape else []
        if vshape and rng.random() < 0.3:
            vshape = [1 if rng.random() < 0.5 else d for d in vshape]
        cnt = 1
        for d in vshape:
            cnt *= d
        ws = [val(rng) for _ in range(cnt)]
        vd = tup(vshape)
        p.both(f"w = tensor(reshape(tensor({vec(ws)}), {vd}), grad)" if vshape else
               f"w = tensor({lit(ws[0])}, grad)",
               f"w = torch.tensor({vec(ws)}).reshape({vd}).requires_grad_()" if vshape else
               f"w = torch.tensor({lit(ws[0])}, requires_grad=True)")
        op = rng.choice(["=", "=", "+=", "*="])
        p.both(f"Y[{bi}] {op} w * 2", f"Y[{pi}] {op} w * 2")
    p.both('dump("Y", Y)')
    wts = [val(rng) for _ in range(numel)]
    p.both(f"L = sum(Y * Y * reshape(tensor({vec(wts)}), {tup(shape)}))",
           f"L = torch.sum(Y * Y * torch.tensor({vec(wts)}).reshape({tup(shape)}))")
    p.both("if L.requires_grad {", "if L.requires_grad:")
    p.indent = "    "
    p.both("backward(L)", "L.backward()")
    p.indent = ""
    p.both("}", "pass")
    p.both('dump("X", X.grad)')
    p.both('dump("W", w.grad)')



# ------------------------------------------------------------ PyTorch habits

def gen_habits(rng, p):
    """micrograd's and old PyTorch's updates: `p.data -= lr * p.grad`, `p.data = t`,
    `p.grad = none`, updates under no_grad, `requires_grad` switched off and on, and
    `clone`."""
    ws = [val(rng) for _ in range(rng.randrange(1, 4))]
    p.both(f"w = tensor({vec(ws)}, grad)", f"w = torch.tensor({vec(ws)}, requires_grad=True)")
    lr = rng.choice([0.1, 0.5])
    for _ in range(rng.randrange(1, 4)):
        p.both("backward(sum(w * w * w))", "torch.sum(w * w * w).backward()")
        k = rng.randrange(3)
        if k == 0:
            p.both(f"w.data -= {lr} * w.grad")
        elif k == 1:
            p.both(f"w.data = w.data * {lit(val(rng))}")
        else:
            p.both(f"no_grad {{ w -= {lr} * w.grad }}", f"with torch.no_grad(): w -= {lr} * w.grad")
        if rng.random() < 0.7:
            p.both("w.grad = none", "w.grad = None")
    p.both('dump("W", w)')
    p.both('dump("A", w.grad)')
    if rng.random() < 0.5:
        p.both("w.requires_grad = false", "w.requires_grad = False")
        p.both("y = w * 2")
        p.both('dump("R", int(y.requires_grad))')
        p.both("w.requires_grad_()")
    p.both("c = w.clone()")
    p.both("w.grad = none", "w.grad = None")
    p.both("backward(sum(c * c * 3))", "torch.sum(c * c * 3).backward()")
    p.both('dump("C", w.grad)')

# ------------------------------------------------------------ the v3 language

WORDS = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia"]
DIVISORS = [0.1, 0.3, -0.7, 2.0, -2.0, 0.5, 1.7, 3.0, -0.25]


def gen_v3(rng, p):
    """`//` on numbers and tensors (and a backward through it, which both refuse),
    strings, dicts and the collection builtins, as Python and PyTorch give them."""
    k = rng.randrange(4)
    if k == 0:
        a, b = val(rng), rng.choice(DIVISORS)
        p.both(f'dump("D", {lit(a)} // {lit(b)})')
        xs = [val(rng) for _ in range(rng.randrange(1, 4))]
        p.both(f"x = tensor({vec(xs)})", f"x = torch.tensor({vec(xs)})")
        p.both(f'dump("T", x // {lit(b)})')
        if rng.random() < 0.3:
            p.both(f"w = tensor({vec(xs)}, grad)", f"w = torch.tensor({vec(xs)}, requires_grad=True)")
            p.both(f"backward(sum((w // {lit(b)}) * w))", f"torch.sum((w // {lit(b)}) * w).backward()")
    elif k == 1:
        w = rng.choice(WORDS)
        i = rng.randrange(-len(w), len(w))
        a, b = sorted(rng.sample(range(len(w) + 1), 2))
        p.both(f's = "{w}"')
        p.both(f'print("C", s[{i}], s[{a}:{b}], s.upper(), s.replace("a", "A"), s * 2)')
        p.both('dump("N", len(s))')
        p.both(f'dump("I", int("{w[0]}" in s) + int("zz" in s) + 2 * int("{w[1:3]}" in s))')
        p.both('dump("O", ord(s[0]) + ord(sorted(list(s))[-1]))')
        p.both('print("J", "-".join(sorted(list(s))), chr(ord(s[-1]) - 32))')
    elif k == 2:
        words = rng.sample(WORDS, rng.randrange(1, 4))
        tup_text = "(" + ", ".join(f'"{x}"' for x in words) + ",)"
        p.both("d = {}")
        p.both(f"for w in {tup_text} {{", f"for w in {tup_text}:")
        p.indent = "    "
        p.both("for c in w {", "for c in w:")
        p.indent = "        "
        p.both("d[c] = d.get(c, 0) + 1")
        p.indent = "    "
        p.both("}", "pass")
        p.indent = ""
        p.both("}", "pass")
        p.both('print("K", " ".join(d.keys()))')
        p.both("for c in d {", "for c in d:")
        p.indent = "    "
        p.both('dump("V", d[c])')
        p.indent = ""
        p.both("}", "pass")
        first = words[0][0]
        p.both(f'dump("P", d.pop("{first}"))')
        p.both('dump("L", len(d))')
        p.both(f'dump("G", d.get("{first}", -1))')
    else:
        xs = [val(rng) for _ in range(rng.randrange(1, 5))]
        seq = "(" + ", ".join(lit(x) for x in xs) + ",)"
        p.both(f"xs = {seq}")
        p.both("for q in enumerate(sorted(xs, reverse=true), start=1) {",
               "for q in enumerate(sorted(xs, reverse=True), start=1):")
        p.indent = "    "
        p.both('dump("E", q[0] * 10 + q[1])')
        p.indent = ""
        p.both("}", "pass")
        p.both('dump("M", max(xs) - min(xs))')
        p.both("for q in zip(xs, list(reversed(xs))) {", "for q in zip(xs, list(reversed(xs))):")
        p.indent = "    "
        p.both('dump("Z", q[0] - q[1])')
        p.indent = ""
        p.both("}", "pass")
        p.both('dump("A", int(any(list(xs))) + 2 * int(all(list(xs))))')


def loop(p, bp_head, py_head, body):
    """`for ... { body }` in bp, `for ...:` in Python; `body` is (bp, py) lines."""
    p.both(bp_head + " {", py_head + ":")
    p.indent = "    "
    for b, q in body:
        p.both(b, q)
    p.indent = ""
    p.both("}", "pass")


def gen_comprehensions(rng, p):
    """Comprehensions (filters, several clauses, tuple targets, dicts, closures made
    inside), `a if c else b` (numbers and tensors, nested, inside comprehensions,
    with a gradient through the branch taken) and `for` with tuple targets."""
    k = rng.randrange(6)
    n = rng.randrange(0, 6)
    a, b, t = val(rng), val(rng), val(rng)
    if k == 0:
        # One clause, a filter, a conditional element; the names do not leak.
        p.both("i = 100")
        p.both(f"ys = [i * {lit(a)} if i % 2 == 0 else i - {lit(b)} for i in range({n}) if i > {lit(t)}]")
        loop(p, "for y in ys", "for y in ys", [('dump("L", y)', None)])
        p.both('dump("N", len(ys))')
        p.both('dump("I", i)')
    elif k == 1:
        # Several clauses with tuple targets.
        xs = [val(rng) for _ in range(rng.randrange(1, 5))]
        seq = "(" + ", ".join(lit(x) for x in xs) + ",)"
        p.both(f"xs = {seq}")
        cond = rng.choice(["x < y", "x != y", "i > 0", "x * y > 0"])
        p.both(f"ps = [(i, x * y) for i, x in enumerate(xs) for y in xs if {cond}]")
        loop(p, "for i, v in ps", "for i, v in ps", [('dump("P", i * 100 + v)', None)])
        p.both('dump("N", len(ps))')
    elif k == 2:
        # Dict comprehensions over a string and over another dict's items.
        w = rng.choice(WORDS)
        p.both(f'd = {{c: i for i, c in enumerate("{w}")}}')
        p.both('print("K", " ".join(d.keys()))')
        loop(p, "for c, i in d.items()", "for c, i in d.items()", [('dump("D", i)', None)])
        p.both(f"e = {{i: c for c, i in d.items() if i >= {rng.randrange(0, 4)}}}")
        loop(p, "for i in e", "for i in e", [('print("E", e[i])', None)])
    elif k == 3:
        # A gradient through a comprehension of tensors and a conditional.
        ws = [val(rng) for _ in range(rng.randrange(1, 4))]
        p.both(f"w = tensor({vec(ws)}, grad)", f"w = torch.tensor({vec(ws)}, requires_grad=True)")
        m = len(ws)
        p.both(f"terms = [w[i] * w[j] if i != j else w[i] * {lit(a)} for i in range({m}) for j in range(i + 1)]")
        p.both("loss = sum(stack(terms))", "loss = sum(torch.stack(terms))")
        p.both(f"y = loss * loss if loss > {lit(t)} else -loss")
        p.both("backward(y)", "y.backward()")
        p.both('dump("Y", y)')
        p.both('dump("G", w.grad)')
    elif k == 4:
        # Nested conditionals on numbers (only the branch taken runs).
        c = val(rng)
        p.both(f"a = {lit(a)}")
        p.both(f"b = {lit(b)}")
        p.both(f"c = {lit(c)}")
        p.both('dump("C", a if a > b else (b if b > c else c))')
        p.both('dump("R", a - b if a > 0 and b > 0 else a + b if a < 0 else c * 2)')
        p.both('dump("S", (1 if a >= b else 0) + (a if not b > c else b) * 2)')
        p.both("xs = [1 / v if v != 0 else 0 for v in (a, b, c)]")
        loop(p, "for v in xs", "for v in xs", [('dump("X", v)', None)])
    else:
        # Closures made in a comprehension share its variable (late binding); for
        # statements unpack tuples.
        p.both(f"fs = [fn(v) {{ return v * i + {lit(a)} }} for i in range({n + 1})]",
               f"fs = [lambda v: v * i + {lit(a)} for i in range({n + 1})]")
        loop(p, "for f in fs", "for f in fs", [('dump("F", f(2))', None)])
        xs = [val(rng) for _ in range(rng.randrange(1, 4))]
        seq = "(" + ", ".join(lit(x) for x in xs) + ",)"
        loop(p, f"for i, x in enumerate({seq})", f"for i, x in enumerate({seq})",
             [('dump("E", i + x)', None)])
        p.both('dump("J", i)')


# ------------------------------------- your own backward and hooks (SPEC §21)

# (bp forward, torch forward, bp backward, torch backward) of one argument x; the
# backward is the true derivative (written differentiably, for second derivatives)
# or a deliberate other one (straight through), which both sides must then use.
CUSTOM_UNARY = [
    ("1 / (1 + exp(-x))", "1 / (1 + torch.exp(-x))", "g * out * (1 - out)", "g * out * (1 - out)"),
    ("tanh(x)", "torch.tanh(x)", "g * (1 - out * out)", "g * (1 - out * out)"),
    ("x * x * x", "x * x * x", "g * 3 * x * x", "g * 3 * x * x"),
    ("exp(x) * 0.5", "torch.exp(x) * 0.5", "g * out", "g * out"),
    ("relu(x)", "torch.relu(x)", "g", "g"),
    ("sign(x) * 2", "torch.sign(x) * 2", "g * 2", "g * 2"),
    ("x * x", "x * x", "g * x", "g * x"),
]


def gen_custom(rng, p):
    """A function with a backward clause against a torch.autograd.Function (one or
    two arguments, a number argument, none for an argument), first and second
    derivatives, and hooks (watch, replace, removed) against Tensor.register_hook."""
    n = rng.randrange(1, 4)
    xs = [val(rng) for _ in range(n)]
    ws = [val(rng) for _ in range(n)]
    two = rng.random() < 0.4
    if two:
        # f(a, b, k) = a * b * k + a: d/da = g (b k + 1), d/db = g a k; k a number.
        k = rng.choice([0.5, 2.0, -1.5])
        none_b = rng.random() < 0.3
        gb_bp = "none" if none_b else "g * a * k"
        gb_py = "None" if none_b else "g * a * k"
        p.both("fn f(a, b, k) {", "class F(torch.autograd.Function):")
        p.both("    return a * b * k + a", "    @staticmethod\n    def forward(ctx, a, b, k):\n        ctx.save_for_backward(a, b)\n        ctx.k = k\n        return a * b * k + a")
        p.both("} backward(g, a, b, k, out) {", "    @staticmethod\n    def backward(ctx, g):\n        a, b = ctx.saved_tensors\n        k = ctx.k")
        p.both(f"    return (g * (b * k + 1), {gb_bp}, none)", f"        return (g * (b * k + 1), {gb_py}, None)")
        p.both("}", "f = F.apply")
        bs = [val(rng) for _ in range(n)]
        p.both(f"x = tensor({vec(xs)}, grad)", f"x = torch.tensor({vec(xs)}, requires_grad=True)")
        p.both(f"b = tensor({vec(bs)}, grad)", f"b = torch.tensor({vec(bs)}, requires_grad=True)")
        call_bp, call_py = f"f(x, b, {lit(k)})", f"f(x, b, {lit(k)})"
    else:
        fb, fp, bb, bpy = rng.choice(CUSTOM_UNARY)
        p.both("fn f(x) {", "class F(torch.autograd.Function):")
        p.both(f"    return {fb}", f"    @staticmethod\n    def forward(ctx, x):\n        out = {fp}\n        ctx.save_for_backward(x, out)\n        return out")
        p.both("} backward(g, x, out) {", "    @staticmethod\n    def backward(ctx, g):\n        x, out = ctx.saved_tensors")
        p.both(f"    return {bb}", f"        return {bpy}")
        p.both("}", "f = F.apply")
        p.both(f"x = tensor({vec(xs)}, grad)", f"x = torch.tensor({vec(xs)}, requires_grad=True)")
        call_bp, call_py = "f(x)", "f(x)"
    p.both(f"h = {call_bp}", f"h = {call_py}")
    p.both('dump("V", h)')
    hook = rng.randrange(4)
    if hook == 1:
        p.both("seen = list()")
        p.both("hh = register_hook(h, fn(g) { seen.append(g); return none })",
               "hh = h.register_hook(lambda g: seen.append(g))")
    elif hook == 2:
        s = rng.choice([2.0, -0.5, 3.0])
        p.both(f"hh = h.register_hook(fn(g) {{ return g * {lit(s)} }})",
               f"hh = h.register_hook(lambda g: g * {lit(s)})")
    elif hook == 3:
        c = rng.choice([0.5, 1.0])
        p.both(f"hx = x.register_hook(fn(g) {{ return clamp(g, {lit(-c)}, {lit(c)}) }})",
               f"hx = x.register_hook(lambda g: torch.clamp(g, {lit(-c)}, {lit(c)}))")
    if not two and rng.random() < 0.4:
        # A second derivative through the recorded backward clause.
        p.both(f"d = grad(sum(h * {vec(ws)}), x, create_graph=true)",
               f"d = torch.autograd.grad(torch.sum(h * torch.tensor({vec(ws)})), x, create_graph=True)[0]")
        p.both('dump("D", d)')
        p.both("backward(sum(d * d))", "torch.sum(d * d).backward()")
    else:
        p.both(f"backward(sum(h * {vec(ws)}))", f"torch.sum(h * torch.tensor({vec(ws)})).backward()")
    p.both('dump("G", x.grad)')
    if two:
        p.both('dump("B", b.grad)')
    if hook == 1:
        p.both('dump("N", len(seen))')
        p.both('dump("S", seen[0])')
    if hook == 3 and rng.random() < 0.5:
        p.both("remove_hook(hx)", "hx.remove()")
        p.both(f"backward(sum({call_bp} * {vec(ws)}))",
               f"torch.sum({call_py} * torch.tensor({vec(ws)})).backward()")
        p.both('dump("R", x.grad)')


def gen_classes(rng, p):
    """Default parameter values and keyword arguments of user functions, and small
    classes (`init` with defaults, `call`, methods, fields set inside and outside,
    sharing, `op=` on a field, a gradient through an object's tensors)."""
    k = rng.randrange(3)
    a, b, t = val(rng), val(rng), val(rng)
    if k == 0:
        p.both(f"fn f(x, a={lit(a)}, b={lit(b)}) {{", f"def f(x, a={lit(a)}, b={lit(b)}):")
        p.both(f"    return x * a - b", f"    return x * a - b")
        p.both("}", "")
        calls = ["f({x})", "f({x}, {y})", "f({x}, b={y})", "f(x={x}, a={y})",
                 "f({x}, b={y}, a={z})", "f(b={z}, x={y})"]
        for c in rng.sample(calls, 3):
            text = c.format(x=lit(val(rng)), y=lit(val(rng)), z=lit(val(rng)))
            p.both(f'dump("F", {text})')
        p.both(f"k = {lit(t)}")
        p.both("fn g(v=k) {", "def g(v=k):")
        p.both("    return v", "    return v")
        p.both("}", "")
        p.both("k = 5")
        p.both('dump("G", g() + g(1))')
    elif k == 1:
        ws = [val(rng) for _ in range(rng.randrange(1, 4))]
        p.both("class Neuron {", "class Neuron:")
        p.both(f"    fn init(self, w, b={lit(b)}) {{", f"    def __init__(self, w, b={lit(b)}):")
        p.both("        self.w = tensor(w, grad)", "        self.w = torch.tensor(w, requires_grad=True)")
        p.both("        self.b = tensor(b, grad)", "        self.b = torch.tensor(b, requires_grad=True)")
        p.both("    }", "")
        p.both("    fn call(self, x) { return tanh(sum(self.w * x) + self.b) }",
               "    def __call__(self, x): return torch.tanh(torch.sum(self.w * x) + self.b)")
        p.both("    fn l2(self) { return sum(self.w * self.w) }",
               "    def l2(self): return torch.sum(self.w * self.w)")
        p.both("}", "")
        kw = f"b={lit(a)}" if rng.random() < 0.5 else f"{lit(a)}"
        p.both(f"n = Neuron({vec(ws)}, {kw})")
        xs = [val(rng) for _ in ws]
        p.both(f"x = tensor({vec(xs)})", f"x = torch.tensor({vec(xs)})")
        lr = rng.choice([0.1, 0.5])
        for _ in range(rng.randrange(1, 3)):
            p.both("out = n(x) + n.l2() * 0.1")
            p.both("backward(out)", "out.backward()")
            p.both(f"no_grad {{ n.w -= {lr} * n.w.grad }}",
                   f"with torch.no_grad(): n.w -= {lr} * n.w.grad")
            p.both("n.w.grad = none", "n.w.grad = None")
        p.both('dump("W", n.w)')
        p.both('dump("B", n.b.grad)')
        p.both('dump("O", n(x))')
    else:
        p.both("class Counter {", "class Counter:")
        p.both(f"    fn init(self, start={lit(a)}) {{ self.n = start }}",
               f"    def __init__(self, start={lit(a)}): self.n = start")
        p.both("    fn add(self, k=1) {", "    def add(self, k=1):")
        p.both("        self.n = self.n + k", "        self.n = self.n + k")
        p.both("        return self.n", "        return self.n")
        p.both("    }", "")
        p.both("    fn call(self) { return self.add(2) }", "    def __call__(self): return self.add(2)")
        p.both("}", "")
        p.both("c = Counter()" if rng.random() < 0.5 else f"c = Counter(start={lit(b)})")
        p.both("d = c")
        p.both(f"d.add({lit(t)})")
        p.both("c.add()")
        p.both('dump("C", c())')
        p.both(f"c.n *= {lit(val(rng))}")
        p.both(f"d.extra = {lit(val(rng))}")
        p.both('dump("N", d.n + c.extra)')
        p.both('dump("S", int(c is d) + 2 * int(c == Counter()))')


KINDS = [gen_write, gen_write, gen_write, gen_write_2d, gen_select, gen_select, gen_alias,
         gen_list, gen_optim, gen_fstring, gen_advanced, gen_advanced, gen_advanced,
         gen_v3, gen_v3, gen_habits, gen_comprehensions, gen_comprehensions,
         gen_custom, gen_custom, gen_custom]


# Defaults, keyword arguments and classes (issue 28, §19).
KINDS += [gen_classes, gen_classes]


def generate(rng, only=None):
    """One program, from any generator or only from `gen_<only>`."""
    p = Prog()
    kinds = KINDS if only is None else [globals()[f"gen_{only}"]]
    rng.choice(kinds)(rng, p)
    return "\n".join(p.bp) + "\n", "\n".join(p.py) + "\n"


# ------------------------------------------------------------ the Python side

def fmt(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def run_python(src):
    """The lines the Python program prints, and whether it failed (and why)."""
    out = []

    def dump(tag, t):
        if t is None:
            out.append(f"{tag} none")
            return
        if not isinstance(t, torch.Tensor):
            t = torch.tensor(float(t))
        out.append(f"{tag} shape {tuple(t.shape)}")
        for v in t.detach().double().flatten().tolist():
            out.append(f"{tag} {fmt(float(v))}")

    def pr(*args):
        out.extend(" ".join(str(a) for a in args).split("\n"))

    env = {"torch": torch, "dump": dump, "print": pr, "sum": torch.sum, "len": len,
           "list": list}
    try:
        exec(compile(src, "<py>", "exec"), env)  # noqa: S102 — generated by this file
        return out, None
    except Exception as e:  # noqa: BLE001 — any failure is compared as "an error"
        return out, f"{type(e).__name__}: {e}"
