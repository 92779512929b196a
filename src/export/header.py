# ---- bp runtime: what PyTorch spells differently or lacks (written by `bp export`) ----
import math
import sys
import time as _time
import types

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


class bp:
    """bp's builtins in PyTorch. Each is the PyTorch call; the extra lines are where bp's
    semantics differ (numbers in, numbers out; 0/1 masks; bp's random generator)."""

    # -- bp's random generator (xoshiro256** seeded by splitmix64; Box-Muller normals) --
    _M = (1 << 64) - 1
    _s = [0, 0, 0, 0]
    _spare = None

    @staticmethod
    def seed(n):
        x = int(n) & bp._M
        s = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & bp._M
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & bp._M
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & bp._M
            s.append(z ^ (z >> 31))
        bp._s = s
        bp._spare = None

    @staticmethod
    def _next():
        s, M = bp._s, bp._M

        def rotl(v, k):
            return ((v << k) | (v >> (64 - k))) & M

        result = (rotl((s[1] * 5) & M, 7) * 9) & M
        t = (s[1] << 17) & M
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    @staticmethod
    def _uniform():
        return (bp._next() >> 11) * (1.0 / (1 << 53))

    @staticmethod
    def _normal():
        if bp._spare is not None:
            z, bp._spare = bp._spare, None
            return z
        u1 = 1.0 - bp._uniform()
        u2 = bp._uniform()
        r = math.sqrt(-2.0 * math.log(u1))
        theta = 2.0 * math.pi * u2
        bp._spare = r * math.sin(theta)
        return r * math.cos(theta)

    @staticmethod
    def size(*shape):
        """bp's shape arguments: several numbers or one tuple."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return tuple(int(n) for n in shape)

    @staticmethod
    def rand(*shape, requires_grad=False):
        shape = bp.size(*shape)
        values = [bp._uniform() for _ in range(math.prod(shape))]
        return torch.tensor(values).reshape(shape).requires_grad_(requires_grad)

    @staticmethod
    def randn(*shape, requires_grad=False):
        shape = bp.size(*shape)
        values = [bp._normal() for _ in range(math.prod(shape))]
        return torch.tensor(values).reshape(shape).requires_grad_(requires_grad)

    # -- creation --
    @staticmethod
    def zeros(*shape, requires_grad=False):
        return torch.zeros(bp.size(*shape), requires_grad=requires_grad)

    @staticmethod
    def ones(*shape, requires_grad=False):
        return torch.ones(bp.size(*shape), requires_grad=requires_grad)

    @staticmethod
    def full(*shape, value=None, requires_grad=False):
        if value is None:
            shape, value = shape[:-1], shape[-1]
        return torch.full(bp.size(*shape), float(value), requires_grad=requires_grad)

    @staticmethod
    def eye(n, m=None, requires_grad=False):
        return torch.eye(int(n), int(n if m is None else m), requires_grad=requires_grad)

    @staticmethod
    def arange(start, end=None, step=1, requires_grad=False):
        if end is None:
            start, end = 0, start
        return torch.arange(start, end, step, dtype=torch.float64, requires_grad=requires_grad)

    @staticmethod
    def linspace(start, end, steps, requires_grad=False):
        return torch.linspace(start, end, int(steps), requires_grad=requires_grad)

    @staticmethod
    def tensor(x, requires_grad=False):
        """A new leaf copy of a number, a tensor or a literal."""
        if isinstance(x, torch.Tensor):
            t = x.detach().clone().double()
        elif isinstance(x, (list, tuple)):
            try:  # numbers, nested in lists and tuples, as torch.tensor takes them
                t = torch.tensor(x, dtype=torch.float64)
            except (TypeError, ValueError, RuntimeError):
                t = bp.nested(x).detach().clone()
        else:
            t = torch.tensor(x, dtype=torch.float64)
        return t.requires_grad_(requires_grad)

    @staticmethod
    def nested(items):
        """tensor() of lists and tuples of numbers and tensors, nested: stacked."""
        if not items:
            return torch.zeros(0)
        return torch.stack([bp.nested(v) if isinstance(v, (list, tuple)) else bp.t(v) for v in items])

    @staticmethod
    def lit(items):
        """A bp tensor literal `[a, b, ...]`: stacks numbers and tensors (differentiably);
        a literal of objects of classes is a list, as in bp."""
        if items and all(isinstance(v, bp.Object) for v in items):
            return list(items)
        parts = [bp.lit(v) if isinstance(v, list) else bp.t(v) for v in items]
        if not parts:
            return torch.zeros(0)
        return torch.stack(parts)

    @staticmethod
    def zeros_like(x, requires_grad=False):
        return torch.zeros_like(bp.t(x), requires_grad=requires_grad)

    @staticmethod
    def ones_like(x, requires_grad=False):
        return torch.ones_like(bp.t(x), requires_grad=requires_grad)

    # -- numbers and tensors --
    @staticmethod
    def t(x):
        """A number as a 0-d tensor (a bool tensor as 0/1); a tensor as itself."""
        if isinstance(x, torch.Tensor):
            return x if x.dtype == torch.float64 else x.double()
        return torch.tensor(float(x))

    @staticmethod
    def num(f, x, *args, **kwargs):
        """Apply the tensor function f; a number in gives a number out, as in bp."""
        if isinstance(x, torch.Tensor):
            return f(bp.t(x), *args, **kwargs)
        return f(torch.tensor(float(x)), *args, **kwargs).item()

    @staticmethod
    def mask(c):
        """A comparison: a bool for numbers, a tensor of 0 and 1 for tensors."""
        return c.double() if isinstance(c, torch.Tensor) else c

    @staticmethod
    def ix(i):
        """An index: a whole number, None (a new axis), a bool mask, or a tensor,
        list or range of whole numbers (a gather)."""
        if i is None:
            return None
        if isinstance(i, torch.Tensor) and i.dtype == torch.bool:
            return i
        if isinstance(i, torch.Tensor) and i.ndim > 0:
            return i.long()
        if isinstance(i, (list, range)):
            return torch.tensor(list(i)).long()
        if isinstance(i, str):
            return i  # a dict's key
        return int(i)

    @staticmethod
    def item(x):
        return x.item() if isinstance(x, torch.Tensor) else x

    @staticmethod
    def range(*args):
        args = [int(a) if float(a).is_integer() else a for a in args]
        if all(isinstance(a, int) for a in args):
            return range(*args)
        start, end, step = (0, args[0], 1) if len(args) == 1 else (args + [1])[:3]
        n = max(0, math.ceil((end - start) / step))
        return [start + i * step for i in range(n)]

    _start = _time.monotonic()

    @staticmethod
    def time():
        return _time.monotonic() - bp._start

    # -- elementwise --
    # {unary}: the elementwise operations, generated from the builtin table (export::header)

    @staticmethod
    def leaky_relu(x, slope=0.01):
        return bp.num(F.leaky_relu, x, slope)

    @staticmethod
    def clamp(x, min=None, max=None):
        return bp.num(torch.clamp, x, min=min, max=max)

    @staticmethod
    def pow(x, p):
        return x**p

    @staticmethod
    def maximum(a, b):
        if not isinstance(a, torch.Tensor) and not isinstance(b, torch.Tensor):
            return torch.maximum(bp.t(a), bp.t(b)).item()
        return torch.maximum(bp.t(a), bp.t(b))

    @staticmethod
    def minimum(a, b):
        if not isinstance(a, torch.Tensor) and not isinstance(b, torch.Tensor):
            return torch.minimum(bp.t(a), bp.t(b)).item()
        return torch.minimum(bp.t(a), bp.t(b))

    @staticmethod
    def where(cond, a, b):
        return torch.where(bp.t(cond) != 0, bp.t(a), bp.t(b))

    @staticmethod
    def logical_and(a, b):
        return torch.logical_and(bp.t(a), bp.t(b))

    @staticmethod
    def logical_or(a, b):
        return torch.logical_or(bp.t(a), bp.t(b))

    @staticmethod
    def logical_not(x):
        return torch.logical_not(bp.t(x))

    @staticmethod
    def any(x):
        if isinstance(x, (list, tuple, dict, str, range)):
            return any(x)
        return torch.any(bp.t(x))

    @staticmethod
    def all(x):
        if isinstance(x, (list, tuple, dict, str, range)):
            return all(x)
        return torch.all(bp.t(x))

    # -- reductions --
    @staticmethod
    def _reduce(f, x, axis, keepdim):
        if axis is None:
            return bp.num(f, x)
        dim = tuple(int(a) for a in axis) if isinstance(axis, (tuple, list)) else int(axis)
        return f(bp.t(x), dim=dim, keepdim=keepdim)

    @staticmethod
    def _numbers(x):
        return isinstance(x, (list, tuple)) and all(isinstance(v, (int, float)) for v in x)

    @staticmethod
    def sum(x, axis=None, keepdim=False):
        if axis is None and (isinstance(x, list) or bp._numbers(x)):
            return sum(x)
        return bp._reduce(torch.sum, x, axis, keepdim)

    @staticmethod
    def mean(x, axis=None, keepdim=False):
        return bp._reduce(torch.mean, x, axis, keepdim)

    @staticmethod
    def _extreme(x, axis, keepdim, of_numbers, of_two, reduce):
        """bp's max or min: of a list of numbers, of two values (`max(a, b)`, as
        bp's), or a reduction of a tensor."""
        if axis is None and bp._numbers(x):
            return of_numbers(x)
        if axis is not None and (isinstance(axis, torch.Tensor) or isinstance(x, (int, float))):
            return of_two(x, axis)
        return bp._reduce(reduce, x, axis, keepdim)

    @staticmethod
    def max(x, axis=None, keepdim=False):
        return bp._extreme(x, axis, keepdim, max, bp.maximum, torch.amax)

    @staticmethod
    def min(x, axis=None, keepdim=False):
        return bp._extreme(x, axis, keepdim, min, bp.minimum, torch.amin)

    @staticmethod
    def prod(x, axis=None, keepdim=False):
        return bp._reduce(torch.prod, x, axis, keepdim)

    @staticmethod
    def norm(x):
        return bp.num(torch.linalg.vector_norm, x)

    @staticmethod
    def argmax(x, axis=None, keepdim=False):
        if axis is None:
            return torch.argmax(bp.t(x)).double()
        return torch.argmax(bp.t(x), dim=int(axis), keepdim=keepdim).double()

    @staticmethod
    def argmin(x, axis=None, keepdim=False):
        if axis is None:
            return torch.argmin(bp.t(x)).double()
        return torch.argmin(bp.t(x), dim=int(axis), keepdim=keepdim).double()

    # -- linear algebra and shapes --
    @staticmethod
    def matmul(a, b):
        return torch.matmul(a, b)

    @staticmethod
    def transpose(x, a=None, b=None):
        if a is None:
            return x.permute(*reversed(range(x.ndim)))
        return torch.transpose(x, int(a), int(b))

    @staticmethod
    def outer(a, b):
        return torch.outer(a, b)

    @staticmethod
    def reshape(x, *shape):
        return torch.reshape(x, bp.size(*shape))

    @staticmethod
    def flatten(x):
        return torch.flatten(x)

    @staticmethod
    def squeeze(x, axis=None):
        return torch.squeeze(x) if axis is None else torch.squeeze(x, int(axis))

    @staticmethod
    def unsqueeze(x, axis):
        return torch.unsqueeze(x, int(axis))

    @staticmethod
    def concat(tensors, axis=0):
        return torch.cat([bp.t(v) for v in tensors], dim=int(axis))

    @staticmethod
    def stack(tensors, axis=0):
        return torch.stack([bp.t(v) for v in tensors], dim=int(axis))

    @staticmethod
    def shape(x):
        return tuple(x.shape)

    @staticmethod
    def numel(x):
        return x.numel()

    @staticmethod
    def len(v):
        return len(v)

    # -- neural nets --
    @staticmethod
    def softmax(x, axis=-1):
        return torch.softmax(x, dim=int(axis))

    @staticmethod
    def log_softmax(x, axis=-1):
        return torch.log_softmax(x, dim=int(axis))

    @staticmethod
    def mse_loss(pred, target):
        return F.mse_loss(pred, bp.t(target))

    @staticmethod
    def cross_entropy(logits, targets):
        return F.cross_entropy(logits, bp.t(targets).long())

    @staticmethod
    def binary_cross_entropy(p, target):
        return F.binary_cross_entropy(p, bp.t(target))

    # -- autodiff --
    @staticmethod
    def backward(y, v=None, retain_graph=False, create_graph=False):
        y.backward(v, retain_graph=retain_graph or create_graph, create_graph=create_graph)

    @staticmethod
    def grad(y, x, v=None, retain_graph=None, create_graph=False, allow_unused=False):
        many = isinstance(x, (tuple, list))
        xs = tuple(x) if many else (x,)
        g = torch.autograd.grad(y, xs, grad_outputs=v, retain_graph=retain_graph,
                                create_graph=create_graph, allow_unused=allow_unused)
        return (type(x)(g) if many else g[0])

    @staticmethod
    def _walk(v, path="", direct=True, seen=None):
        """Every tensor inside v, each once, with its dotted path and whether it was
        reached through tuples and lists only (bp's own walk, src/eval/params.rs)."""
        seen = set() if seen is None else seen
        if isinstance(v, bp.Optimizer):
            v = v.params
        if isinstance(v, torch.Tensor):
            if id(v) not in seen:
                seen.add(id(v))
                yield path, v, direct
        elif isinstance(v, (tuple, list)):
            if isinstance(v, list):
                if id(v) in seen:
                    return
                seen.add(id(v))
            for i, x in enumerate(v):
                yield from bp._walk(x, f"{path}.{i}" if path else str(i), direct, seen)
        elif isinstance(v, dict):
            if id(v) in seen:
                return
            seen.add(id(v))
            for k, x in v.items():
                name = bp.show(k, raw=True)
                yield from bp._walk(x, f"{path}.{name}" if path else name, direct, seen)
        elif isinstance(v, bp.Object):
            if id(v) in seen:
                return
            seen.add(id(v))
            for name, x in vars(v).items():
                yield from bp._walk(x, f"{path}.{name}" if path else name, False, seen)
        elif isinstance(v, types.ModuleType) and id(v) not in seen:
            seen.add(id(v))
            for name, x in vars(v).items():
                if not name.startswith("_"):
                    yield from bp._walk(x, f"{path}.{name}" if path else name, False, seen)

    @staticmethod
    def _tensors(args):
        """The tensors of optimizers, zero_grad and clipping: those inside that require
        grad, and the ones given by hand."""
        for _, t, direct in bp._walk(list(args)):
            if direct or t.requires_grad:
                yield t

    @staticmethod
    def parameters(v):
        return [t for _, t, _ in bp._walk(v) if t.requires_grad]

    @staticmethod
    def named_parameters(v):
        return [(p, t) for p, t, _ in bp._walk(v) if t.requires_grad]

    @staticmethod
    def backprop_steps(y, retain_graph=False):
        """bp's step-by-step text has no PyTorch counterpart: the backward pass only."""
        print("backprop_steps: bp's step-by-step explanation is not reproduced; y.backward() ran")
        y.backward(retain_graph=retain_graph)

    @staticmethod
    def zero_grad(*params):
        for p in bp._tensors(params):
            p.grad = None

    @staticmethod
    def detach(x):
        return bp.t(x).detach()

    @staticmethod
    def retain_grad(y):
        y.retain_grad()

    _TENSOR = object()

    @staticmethod
    def custom_save(ctx, args):
        """A backward clause's arguments: the tensors to save_for_backward (the
        others are kept on ctx as they are)."""
        ctx.bp_args = [bp._TENSOR if isinstance(a, torch.Tensor) else a for a in args]
        return [a for a in args if isinstance(a, torch.Tensor)]

    @staticmethod
    def custom_saved(ctx):
        """The arguments as the call saw them, then the output."""
        saved = list(ctx.saved_tensors)
        out = saved.pop()
        tensors = iter(saved)
        args = [next(tensors) if a is bp._TENSOR else a for a in ctx.bp_args]
        return args + [out]

    @staticmethod
    def custom_grads(ctx, grads):
        """One gradient per argument (None for an argument that is not a tensor)."""
        if len(ctx.bp_args) == 1 and not isinstance(grads, tuple):
            grads = (grads,)
        return tuple(
            bp.t(g) if a is bp._TENSOR and g is not None else None
            for a, g in zip(ctx.bp_args, grads)
        )

    @staticmethod
    def register_hook(t, hook):
        return t.register_hook(hook)

    @staticmethod
    def remove_hook(handle):
        handle.remove()

    @staticmethod
    def requires_grad_(x, requires_grad=True):
        return x.requires_grad_(requires_grad)

    @staticmethod
    def clip_grad_norm(params, max_norm):
        """torch.nn.utils.clip_grad_norm_, with the total norm as a number."""
        return torch.nn.utils.clip_grad_norm_(list(bp._tensors([params])), max_norm).item()

    @staticmethod
    def clip_grad_value(params, clip):
        torch.nn.utils.clip_grad_value_(list(bp._tensors([params])), clip)

    @staticmethod
    def gradcheck(f, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
        """Central differences against backward, with bp's tolerances and report."""
        inputs = [bp.t(x) for x in inputs]
        y = bp.t(f(*inputs))
        if y.numel() != 1:
            return bp._check_jacobian(f, inputs, eps, atol, rtol, "gradcheck")
        wanted = [x for x in inputs if x.requires_grad]
        grads = torch.autograd.grad(y, wanted, allow_unused=True)
        worst = None
        k = 0
        for i, x in enumerate(inputs):
            if not x.requires_grad:
                continue
            analytic, k = grads[k], k + 1
            base = x.detach()
            for pos in (torch.cartesian_prod(*[torch.arange(n) for n in base.shape]).reshape(-1, base.ndim).tolist()
                        if base.ndim else [[]]):
                def at(delta):
                    moved = base.clone()
                    moved[tuple(pos)] += delta
                    args = list(inputs)
                    args[i] = moved
                    with torch.no_grad():
                        return bp.t(f(*args)).item()
                numeric = (at(eps) - at(-eps)) / (2.0 * eps)
                a = 0.0 if analytic is None else analytic[tuple(pos)].item()
                excess = abs(a - numeric) - (atol + rtol * abs(numeric))
                bad = excess > 0.0 or math.isnan(a) != math.isnan(numeric)
                if bad and (worst is None or excess > worst[0]):
                    worst = (excess, i, pos, a, numeric)
        if worst is not None:
            _, i, pos, a, numeric = worst
            raise AssertionError(
                f"gradcheck failed: argument {i + 1} of the function, element {pos}: analytic "
                f"{bp.show(a)} but numeric {bp.show(numeric)} (difference {bp.show(abs(a - numeric))})")
        return True

    @staticmethod
    def copy_on_write():
        """bp's `x[i] = v` writes in place, yet an operation recorded before keeps the values
        its inputs had: from here on every tensor saved for backward is saved as a copy."""
        bp._saved_copies = torch.autograd.graph.saved_tensors_hooks(lambda t: t.clone(), lambda t: t)
        bp._saved_copies.__enter__()

    # -- lists and strings --
    @staticmethod
    def list(v=()):
        if isinstance(v, range):
            return [float(x) for x in v]
        return list(v)

    @staticmethod
    def append(xs, v):
        xs.append(v)

    @staticmethod
    def pop(xs, i=-1):
        return xs.pop(int(i))

    @staticmethod
    def module(name, run, _cache={}):
        """`import "file.bp"`: the file's top-level bindings, run once per process."""
        if name not in _cache:
            import types

            _cache[name] = types.SimpleNamespace(**run())
        return _cache[name]

    @staticmethod
    def str(v):
        return bp.show(v, raw=True)

    # -- strings, dicts and collections --
    @staticmethod
    def int(x):
        return float(int(x.item() if isinstance(x, torch.Tensor) else x))

    @staticmethod
    def float(x):
        return float(x.item() if isinstance(x, torch.Tensor) else x)

    @staticmethod
    def floor(x):
        return float(math.floor(x))

    @staticmethod
    def ceil(x):
        return float(math.ceil(x))

    @staticmethod
    def ord(c):
        return float(ord(c))

    @staticmethod
    def chr(n):
        return chr(int(n))

    @staticmethod
    def dict(pairs=None):
        return {} if pairs is None else dict(pairs)

    @staticmethod
    def enumerate(xs, start=0):
        return [(float(i), x) for i, x in enumerate(xs, start=int(start))]

    @staticmethod
    def zip(*xs):
        return list(zip(*xs))

    @staticmethod
    def sorted(xs, key=None, reverse=False):
        return sorted(xs, key=key, reverse=reverse)

    @staticmethod
    def reversed(xs):
        return list(reversed(list(xs)))

    @staticmethod
    def read_text(path):
        with open(path, encoding="utf-8-sig") as f:
            return f.read()

    @staticmethod
    def read_lines(path):
        return bp.read_text(path).splitlines()

    @staticmethod
    def round(x, n=None):
        if isinstance(x, torch.Tensor):
            return torch.round(x.detach()) if n is None else torch.round(x.detach(), decimals=int(n))
        return float(round(x)) if n is None else round(x, int(n))

    @staticmethod
    def nonzero(m):
        return torch.nonzero(m).flatten().double()

    _SPEC = None

    @staticmethod
    def fmt(v, spec=""):
        """One `{value:spec}` of an f-string: a spec with a number feature (sign, 0,
        grouping, precision, type) formats the number; otherwise the value as print
        shows it, padded."""
        import re

        m = re.fullmatch(r"(?:.?[<>=^])?([+\- ])?(0)?(\d+)?([,_])?(\.\d+)?([fFeEgG%d])?", spec)
        if m and any(m.group(i) for i in (1, 2, 4, 5, 6)):
            x = bp.item(v)
            if m.group(6) == "d":
                return format(int(x), spec)
            return format(float(x), spec)
        return format(bp.show(v, raw=True), spec)

    # -- the learner's toolkit: data, optimizers, weights --
    @staticmethod
    def path(p):
        """A relative path is relative to the script's own folder, as in bp."""
        import os

        return os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), p)

    @staticmethod
    def _perm(n):
        p = list(range(n))
        for i in range(n - 1, 0, -1):
            j = bp._next() % (i + 1)
            p[i], p[j] = p[j], p[i]
        return p

    @staticmethod
    def randperm(n):
        return torch.tensor([float(i) for i in bp._perm(int(n))])

    @staticmethod
    def _lin(start, end, count, endpoint):
        div = max(count - 1, 1) if endpoint else max(count, 1)
        step = (end - start) / div
        values = [start + step * i for i in range(count)]
        if endpoint and count > 1:
            values[-1] = end
        return values

    @staticmethod
    def _finish(points, classes, noise):
        order = bp._perm(len(points))
        points = [list(points[i]) for i in order]
        classes = [classes[i] for i in order]
        if noise != 0:
            for p in points:
                p[0] += noise * bp._normal()
                p[1] += noise * bp._normal()
        X = torch.tensor(points) if points else torch.zeros(0, 2)
        return X, torch.tensor([float(c) for c in classes])

    @staticmethod
    def make_moons(n, noise=0.0):
        n = int(n)
        n_out, points = n // 2, []
        points += [(math.cos(t), math.sin(t)) for t in bp._lin(0.0, math.pi, n_out, True)]
        points += [(1.0 - math.cos(t), 1.0 - math.sin(t) - 0.5) for t in bp._lin(0.0, math.pi, n - n_out, True)]
        return bp._finish(points, [0] * n_out + [1] * (n - n_out), noise)

    @staticmethod
    def make_circles(n, noise=0.0, factor=0.8):
        n = int(n)
        n_out, points = n // 2, []
        points += [(math.cos(t), math.sin(t)) for t in bp._lin(0.0, 2.0 * math.pi, n_out, False)]
        points += [(factor * math.cos(t), factor * math.sin(t))
                   for t in bp._lin(0.0, 2.0 * math.pi, n - n_out, False)]
        return bp._finish(points, [0] * n_out + [1] * (n - n_out), noise)

    @staticmethod
    def make_spirals(n, classes=3, noise=0.0):
        n, classes = int(n), max(int(classes), 1)
        points, labels = [], []
        for k in range(classes):
            count = n // classes + (1 if k < n % classes else 0)
            radii = bp._lin(0.0, 1.0, count, True)
            angles = bp._lin(4.0 * k, 4.0 * (k + 1), count, True)
            for r, t in zip(radii, angles):
                if noise != 0:
                    t = t + noise * bp._normal()
                points.append((r * math.sin(t), r * math.cos(t)))
                labels.append(k)
        return bp._finish(points, labels, 0.0)

    @staticmethod
    def load_csv(path, header=False):
        import csv

        with open(bp.path(path), newline="", encoding="utf-8-sig") as f:
            rows = [r for r in csv.reader(f) if any(c.strip() for c in r)]
        names = []

        def numeric(row):
            try:
                [float(c) for c in row]
                return True
            except ValueError:
                return False

        if rows and not numeric(rows[0]):
            names, rows = [c.strip() for c in rows[0]], rows[1:]
        t = torch.tensor([[float(c) for c in r] for r in rows])
        return (t, names) if header else t

    class Object:
        """The base of every exported bp class: shown as Name(field=value, ...) in the
        order the fields were set (a class's `show` becomes its own __repr__)."""

        def __repr__(self):
            parts = []
            for k, x in vars(self).items():
                if isinstance(x, torch.Tensor) and x.numel() > 8:
                    shape = "[" + ", ".join(str(d) for d in x.shape) + "]"
                    text = f"tensor(shape={shape}" + (", requires_grad=True" if x.requires_grad else "") + ")"
                else:
                    text = bp.show(x)
                parts.append(f"{k}={text}")
            return type(self).__name__ + "(" + ", ".join(parts) + ")"

    class Optimizer:
        """A torch.optim optimizer with bp's `lr` attribute and display."""

        KINDS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}

        def __init__(self, kind, params, **options):
            self.kind, self.steps = kind, 0
            self.params = list(bp._tensors([params]))
            self.torch = bp.Optimizer.KINDS[kind](self.params, **options)

        def step(self):
            self.torch.step()
            self.steps += 1

        def zero_grad(self):
            self.torch.zero_grad(set_to_none=True)

        @property
        def lr(self):
            return self.torch.param_groups[0]["lr"]

        def __str__(self):
            n = len(self.params)
            return (f"<{self.kind} lr={bp._number(self.lr)}, {n} parameter{'' if n == 1 else 's'}, "
                    f"{self.steps} step{'' if self.steps == 1 else 's'}>")

    @staticmethod
    def sgd(params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        return bp.Optimizer("sgd", params, lr=lr, momentum=momentum, dampening=dampening,
                            weight_decay=weight_decay, nesterov=nesterov)

    @staticmethod
    def adam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        return bp.Optimizer("adam", params, lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay)

    @staticmethod
    def adamw(params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        return bp.Optimizer("adamw", params, lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay)

    @staticmethod
    def set_lr(opt, lr):
        for group in opt.torch.param_groups:
            group["lr"] = lr

    @staticmethod
    def save(path, model=None, **tensors):
        """The named tensors, or every tensor inside model by dotted path (a
        state_dict), to a safetensors file (float64), as bp writes it."""
        import safetensors.torch

        if model is not None:
            tensors = {(p or "0"): t for p, t, _ in bp._walk(model)}
        safetensors.torch.save_file({k: v.detach().contiguous() for k, v in tensors.items()}, bp.path(path))

    @staticmethod
    def load(path, *names, into=None):
        import safetensors.torch

        found = safetensors.torch.load_file(bp.path(path))
        if into is not None:
            with torch.no_grad():
                for p, t, _ in bp._walk(into):
                    t.copy_(found[p or "0"])
            return None
        if names:
            return tuple(found[n] for n in names)
        return [(k, found[k]) for k in sorted(found)]

    # -- output and checks --
    @staticmethod
    def print(*values, sep=" ", end="\n"):
        sys.stdout.write(sep.join(bp.show(v, raw=True) for v in values) + end)

    @staticmethod
    def assert_(cond, message=None):
        if not cond:
            raise AssertionError("assertion failed" + ("" if message is None else ": " + bp.show(message, raw=True)))

    @staticmethod
    def assert_close(a, b, atol=1e-6, rtol=1e-5):
        """Passes when |a - b| <= atol + rtol * |b| everywhere (bp's tolerances)."""
        x, y = bp.t(a).detach(), bp.t(b).detach()
        if x.shape != y.shape:
            raise AssertionError(f"assert_close failed: shapes differ, {list(x.shape)} and {list(y.shape)}")
        diff = (x - y).abs()
        allowed = atol + rtol * y.abs()
        bad = ~((diff <= allowed) | (x == y))
        if bad.any():
            raise AssertionError(f"assert_close failed: {x} vs {y}")

    # -- display: values exactly as bp shows them --
    _GRAD_FN = {
        "Rsub": "Sub", "Mm": "Matmul", "Mv": "Matmul", "Dot": "Matmul", "Bmm": "Matmul",
        "UnsafeView": "Matmul", "T": "Permute", "Transpose": "Transpose",
        "LinalgVectorNorm": "Norm", "Amax": "Max", "Amin": "Min", "Select": "Index",
        "Slice": "Index", "Cat": "Cat", "Reshape": "View", "UnsafeReshape": "View",
    }

    @staticmethod
    def _number(x):
        if isinstance(x, int):
            return str(x)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        s = repr(float(x))
        return s[:-2] if s.endswith(".0") else s

    @staticmethod
    def _tensor(t):
        text = repr(bp.t(t.detach()))[:-1]
        if t.grad_fn is not None:
            name = type(t.grad_fn).__name__.rstrip("0123456789")
            base = name[: -len("Backward")] if name.endswith("Backward") else name
            if base.endswith("_Function"):
                # A function with a backward clause: bp names the node after it.
                suffix = "grad_fn=<" + base[: -len("_Function")] + ">"
            else:
                suffix = "grad_fn=<" + bp._GRAD_FN.get(base, base) + "Backward>"
        elif t.requires_grad:
            suffix = "requires_grad=True"
        else:
            return text + ")"
        last_line_len = len(text.rsplit("\n", 1)[-1]) + 2
        if last_line_len + len(suffix) + 2 > 80:
            return text + ",\n" + " " * 7 + suffix + ")"
        return text + ", " + suffix + ")"

    @staticmethod
    def show(v, raw=False):
        if v is None:
            return "none"
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return bp._number(v)
        if isinstance(v, str):
            if raw:
                return v
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'
        if isinstance(v, torch.Tensor):
            return bp._tensor(v)
        if isinstance(v, tuple):
            inner = ", ".join(bp.show(x) for x in v)
            return "(" + inner + (",)" if len(v) == 1 else ")")
        if isinstance(v, list):
            return "[" + ", ".join(bp.show(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(bp.show(k) + ": " + bp.show(x) for k, x in v.items()) + "}"
        if isinstance(v, range):
            if v.step == 1:
                return f"range({v.start}, {v.stop})"
            return f"range({v.start}, {v.stop}, {v.step})"
        if isinstance(v, bp.Object):
            return repr(v)
        if callable(v):
            name = getattr(v, "__name__", "")
            name = name.rstrip("_")
            return "<fn>" if name in ("", "<lambda>") or name.startswith("lambda_") else f"<fn {name}>"
        return str(v)

    # -- gradflow: one row per global variable holding a tensor with a .grad --
    @staticmethod
    def _sci(x):
        if math.isnan(x) or math.isinf(x):
            return bp._number(x)
        mantissa, exponent = f"{x:.3e}".split("e")
        return f"{mantissa}e{int(exponent)}"

    @staticmethod
    def _bar(norm):
        width = 14 * 2
        if math.isnan(norm) or math.isinf(norm):
            return "?" * width
        filled = 0
        if norm > 0:
            decades = min(max(math.log10(norm), -10.0), 4.0) + 10.0
            filled = min(int(math.floor(decades * 2 + 0.5)), width)
        return "█" * filled + "·" * (width - filled)

    @staticmethod
    def gradflow(variables, renamed=None):
        renamed = renamed or {}
        named = []
        for name, v in variables.items():
            name = renamed.get(name, name)
            if isinstance(v, torch.Tensor):
                named.append((name, v))
            elif isinstance(v, (tuple, list)):
                named.extend((f"{name}[{i}]", t) for i, t in enumerate(v) if isinstance(t, torch.Tensor))
        named.sort(key=lambda p: p[0])
        rows = [["name", "shape", "grad norm", "max |grad|", "1e-10" + "1e4".rjust(28 - 5), ""]]
        for name, t in named:
            if t.grad is None:
                continue
            g = t.grad.detach()
            norm = math.sqrt(sum(v * v for v in g.flatten().tolist()))
            mx = 0.0
            for v in g.flatten().tolist():
                mx = float("nan") if math.isnan(v) else max(mx, abs(v))
            flag = ("nan" if math.isnan(norm) else "inf" if math.isinf(norm)
                    else "vanishing" if norm < 1e-7 else "exploding" if norm > 1e3 else "")
            rows.append([name, str(list(t.shape)), bp._sci(norm), bp._sci(mx), bp._bar(norm), flag])
        if len(rows) == 1:
            sys.stdout.write("gradflow: no variable holds a tensor with a .grad (run backward first)\n")
            return
        widths = [max(len(r[i]) for r in rows) for i in range(6)]
        for r in rows:
            line = "".join(c + " " * (widths[i] - len(c) + 2) if i + 1 < len(r) else c for i, c in enumerate(r))
            sys.stdout.write(line.rstrip() + "\n")

    # -- plot: a braille line chart in the terminal --
    @staticmethod
    def _series(v):
        if isinstance(v, (tuple, list)):
            return [float(bp.item(x)) for x in v]
        return [float(x) for x in bp.t(v).detach().flatten().tolist()]

    @staticmethod
    def _compact(x):
        if math.isnan(x) or math.isinf(x):
            return bp._number(x)
        if x == 0:
            return "0"
        m = abs(x)
        if 1e-3 <= m < 1e6:
            decimals = int(min(max(3.0 - math.floor(math.log10(m)), 0.0), 6.0))
            text = f"{x:.{decimals}f}"
            if "." in text:
                text = text.rstrip("0").rstrip(".")
            return "0" if text == "-0" else text
        mantissa, exponent = f"{x:.3e}".split("e")
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}e{int(exponent)}"

    @staticmethod
    def _show_picture(text, file):
        """The picture's text on standard output, or with `file=` an SVG of that text."""
        if file is None:
            sys.stdout.write(text.rstrip("\n") + "\n")
            return
        from xml.sax.saxutils import escape

        rows = text.rstrip("\n").split("\n")
        width = max(len(r) for r in rows) * 8 + 16
        body = "".join(f'<text x="8" y="{18 + 16 * i}" xml:space="preserve">{escape(r)}</text>'
                       for i, r in enumerate(rows))
        svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{16 * len(rows) + 16}" '
               f'font-family="monospace" font-size="13">{body}</svg>\n')
        with open(bp.path(file), "w", encoding="utf-8") as f:
            f.write(svg)

    @staticmethod
    def plot(*series, title=None, file=None, labels=None, logy=False):
        many = bp._several(series[-1])
        if many is not None or labels is not None or logy:
            ys_list = many if many is not None else [bp._series(series[-1])]
            xs = bp._series(series[0]) if len(series) == 2 else None
            pairs = [(xs if xs is not None else [float(i) for i in range(len(ys))], ys) for ys in ys_list]
            names = None if labels is None else [str(v) for v in labels]
            bp._show_picture(bp._lines_text(pairs, names, logy, title), file)
            return
        if len(series) == 2:
            xs, ys = bp._series(series[0]), bp._series(series[1])
        else:
            ys = bp._series(series[0])
            xs = [float(i) for i in range(len(ys))]
        bp._show_picture(bp._chart(xs, ys, title), file)

    # -- scatter: one mark per class in a grid of character cells --
    _MARKS = "ox+*@%&="

    @staticmethod
    def scatter(X, y=None, title=None, file=None):
        flat = [float(v) for v in bp.t(X).detach().flatten().tolist()]
        points = list(zip(flat[0::2], flat[1::2]))
        classes = [0] * len(points) if y is None else [int(c) for c in bp._series(y)]
        bp._show_picture(bp._scatter_text(points, classes, title), file)

    @staticmethod
    def _scatter_text(points, classes, title, width=60, height=20):
        lines = []
        finite = [(i, p) for i, p in enumerate(points) if math.isfinite(p[0]) and math.isfinite(p[1])]

        def extent(values):
            values = list(values)
            if not values:
                return None
            lo, hi = min(values), max(values)
            return (lo - 0.5, hi + 0.5) if lo == hi else (lo, hi)

        def cell(v, r, cells):
            num, den = v / 2.0 - r[0] / 2.0, r[1] / 2.0 - r[0] / 2.0
            t = num / den if den != 0 else (math.nan if num == 0 else math.copysign(math.inf, num))
            t = 0.5 if math.isnan(t) else min(max(t, 0.0), 1.0)
            return min(int(t * cells), cells - 1)

        xr, yr = extent(p[0] for _, p in finite), extent(p[1] for _, p in finite)
        if xr is None or yr is None:
            if title is not None:
                lines.append(title)
            lines.append("(nothing to plot: no finite points)")
            return "\n".join(lines)
        kinds = sorted(set(classes))
        counts = [[[0] * max(len(kinds), 1) for _ in range(width)] for _ in range(height)]
        for i, (x, yv) in finite:
            k = kinds.index(classes[i]) if i < len(classes) else 0
            counts[height - 1 - cell(yv, yr, height)][cell(x, xr, width)][k] += 1
        top, bottom = bp._compact(yr[1]), bp._compact(yr[0])
        lw = max(len(top), len(bottom))
        if title is not None:
            lines.append(" " * (lw + 2 + max(width - len(title), 0) // 2) + title)
        for r, row in enumerate(counts):
            label = top if r == 0 else bottom if r == height - 1 else ""
            tick = "│" if label == "" else "┤"
            text = ""
            for c in row:
                best, n = 0, 0
                for k, m in enumerate(c):
                    if m > n:
                        best, n = k, m
                text += " " if n == 0 else bp._MARKS[best % len(bp._MARKS)]
            lines.append(f"{label:>{lw}} {tick}{text}".rstrip())
        lines.append(" " * lw + " └" + "─" * width)
        left, right = bp._compact(xr[0]), bp._compact(xr[1])
        lines.append(" " * (lw + 2) + left + " " * max(width - len(left) - len(right), 1) + right)
        if len(kinds) > 1:
            legend = "   ".join(f"{bp._MARKS[k % len(bp._MARKS)]} class {c}" for k, c in enumerate(kinds))
            lines.append(" " * (lw + 2) + legend)
        skipped = len(points) - len(finite)
        if skipped > 0:
            lines.append(f"({skipped} skipped: nan or inf)")
        return "\n".join(lines)

    # -- draw: the recorded graph as a tree (PyTorch's operation names; bp's own drawing
    # also shows each operation's source text, which the exported script does not know) --
    @staticmethod
    def draw(y, file=None):
        lines = []
        seen = set()
        stack = [(bp.t(y).grad_fn, bp.t(y), "", "")]
        while stack:
            node, t, prefix, child = stack.pop()
            if node is None or type(node).__name__ == "AccumulateGrad":
                leaf = t if node is None else node.variable
                shape = "[" + ", ".join(str(n) for n in leaf.shape) + "]" if leaf is not None else "?"
                kind = "leaf, requires grad" if leaf is not None and leaf.requires_grad else "constant"
                lines.append(f"{prefix}leaf {shape}  ({kind})")
                continue
            name = type(node).__name__.rstrip("0123456789")
            base = name[: -len("Backward")] if name.endswith("Backward") else name
            label = bp._GRAD_FN.get(base, base) + "Backward"
            if node in seen:
                lines.append(f"{prefix}{label}  (shown above)")
                continue
            seen.add(node)
            lines.append(f"{prefix}{label}")
            inputs = [(n, None) for n, _ in node.next_functions if n is not None]
            for i, (n, _) in reversed(list(enumerate(inputs))):
                last = i + 1 == len(inputs)
                stack.append((n, None, child + ("└─ " if last else "├─ "), child + ("   " if last else "│  ")))
        bp._show_picture("\n".join(lines), file)

    @staticmethod
    def _chart(xs, ys, title, width=60, height=15):
        fin = lambda v: not (math.isnan(v) or math.isinf(v))  # noqa: E731
        points = [(x, y) if fin(x) and fin(y) else None for x, y in zip(xs, ys)]
        finite = [p for p in points if p is not None]
        skipped = len(points) - len(finite)
        lines = []
        if not finite:
            if title is not None:
                lines.append(title)
            if not points:
                lines.append("(nothing to plot: no points)")
            elif skipped == 1:
                lines.append("(nothing to plot: the only point is nan or inf)")
            else:
                lines.append(f"(nothing to plot: all {skipped} points are nan or inf)")
            return "\n".join(lines)
        xmin, xmax = min(p[0] for p in finite), max(p[0] for p in finite)
        ymin, ymax = min(p[1] for p in finite), max(p[1] for p in finite)

        def scale(v, lo, hi, steps):
            span = hi / 2.0 - lo / 2.0
            t = (v / 2.0 - lo / 2.0) / span if span > 0 else 0.5
            t = 0.5 if math.isnan(t) else min(max(t, 0.0), 1.0)
            return min(int(math.floor(t * steps + 0.5)), steps)

        cells = [0] * (width * height)
        bits = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]
        last_col, last_row = width * 2 - 1, height * 4 - 1

        def dot(c, r):
            if 0 <= c <= last_col and 0 <= r <= last_row:
                cells[r // 4 * width + c // 2] |= bits[r % 4][c % 2]

        def to_dot(p):
            return scale(p[0], xmin, xmax, last_col), last_row - scale(p[1], ymin, ymax, last_row)

        for a, b in zip(points, points[1:]):
            if a is not None and b is not None:
                (x, y), (x1, y1) = to_dot(a), to_dot(b)
                dx, dy = abs(x1 - x), -abs(y1 - y)
                sx, sy = (1 if x < x1 else -1), (1 if y < y1 else -1)
                err = dx + dy
                while True:
                    dot(x, y)
                    if x == x1 and y == y1:
                        break
                    e2 = 2 * err
                    if e2 >= dy:
                        err += dy
                        x += sx
                    if e2 <= dx:
                        err += dx
                        y += sy
        for p in finite:
            dot(*to_dot(p))
        if ymin == ymax:
            labels = {height // 2: bp._compact(ymin)}
        else:
            labels = {0: bp._compact(ymax), height - 1: bp._compact(ymin)}
        lw = max(len(v) for v in labels.values())
        start = lw + 2
        if title is not None:
            lines.append(" " * (start + max(width - len(title), 0) // 2) + title)
        for row in range(height):
            text = "".join(" " if c == 0 else chr(0x2800 + c) for c in cells[row * width:(row + 1) * width])
            label = labels.get(row)
            tick = "┤" if label is not None else "│"
            lines.append(f"{(label or ''):>{lw}} {tick}{text}".rstrip())
        lines.append(" " * lw + " └" + "─" * width)
        if xmin == xmax:
            label = bp._compact(xmin)
            lines.append(" " * max(start + width // 2 - len(label) // 2, 0) + label)
        else:
            left, right = bp._compact(xmin), bp._compact(xmax)
            lines.append(" " * start + left + " " * max(width - len(left) - len(right), 1) + right)
        if skipped > 0:
            lines.append(f"({skipped} point{'' if skipped == 1 else 's'} skipped: nan or inf)")
        return "\n".join(lines)


    # -- the course's builtins (SPEC §20) --
    @staticmethod
    def one_hot(idx, n=None):
        idx = bp.t(idx).detach().long()
        return F.one_hot(idx, -1 if n is None else int(bp.item(n))).double()

    @staticmethod
    def _draw(w, u):
        total = 0.0
        for p in w:
            total += p
        target = u * total
        acc, last = 0.0, 0
        for i, p in enumerate(w):
            if p > 0.0:
                acc += p
                last = i
                if target < acc:
                    return i
        return last

    @staticmethod
    def multinomial(probs, n, replacement=False):
        """bp's draws (its generator), one row of weights at a time."""
        p = bp.t(probs).detach()
        n = int(bp.item(n))
        rows = p.reshape(1, -1) if p.ndim == 1 else p
        if n <= 0:
            raise RuntimeError("multinomial(): cannot sample n <= 0 samples")
        out = []
        for row in rows.tolist():
            if any(not math.isfinite(v) or v < 0 for v in row) or not any(v > 0 for v in row):
                raise RuntimeError("multinomial(): invalid probabilities")
            if not replacement and n > sum(1 for v in row if v > 0):
                raise RuntimeError("multinomial(): not enough non-zero probabilities to draw without replacement")
            w = list(row)
            drawn = []
            for _ in range(n):
                i = bp._draw(w, bp._uniform())
                drawn.append(float(i))
                if not replacement:
                    w[i] = 0.0
            out.append(drawn)
        t = torch.tensor(out, dtype=torch.float64)
        return t[0] if p.ndim == 1 else t

    @staticmethod
    def randint(low, high=None, shape=None):
        if shape is None and isinstance(high, (tuple, list)):
            low, high, shape = 0, low, high
        low, high = int(bp.item(low)), int(bp.item(high))
        shape = bp.size(shape) if isinstance(shape, (tuple, list)) else (int(bp.item(shape)),)
        if high <= low:
            raise RuntimeError(f"randint(): low must be less than high; found low = {low}, high = {high}")
        r = high - low
        values = [float(low + bp._next() % r) for _ in range(math.prod(shape))]
        return torch.tensor(values, dtype=torch.float64).reshape(shape)

    @staticmethod
    def cumsum(x, axis):
        return torch.cumsum(bp.t(x), dim=int(axis))

    @staticmethod
    def sort(x, axis=-1, descending=False):
        v, i = torch.sort(bp.t(x), dim=int(axis), descending=descending, stable=True)
        return (v, i.double())

    @staticmethod
    def argsort(x, axis=-1, descending=False):
        return torch.sort(bp.t(x).detach(), dim=int(axis), descending=descending, stable=True)[1].double()

    @staticmethod
    def topk(x, k, axis=-1, largest=True):
        """As torch.topk, ties in order of position (bp's stable order)."""
        x = bp.t(x)
        k, axis = int(bp.item(k)), int(axis)
        if x.ndim == 0:
            return (x.clone(), torch.tensor(0.0))
        i = torch.sort(x.detach(), dim=axis, descending=largest, stable=True)[1].narrow(axis, 0, k)
        return (torch.gather(x, axis, i), i.double())

    @staticmethod
    def var(x, axis=None, correction=1, keepdim=False):
        return torch.var(bp.t(x), dim=axis, correction=correction, keepdim=keepdim)

    @staticmethod
    def std(x, axis=None, correction=1, keepdim=False):
        return torch.std(bp.t(x), dim=axis, correction=correction, keepdim=keepdim)

    @staticmethod
    def logsumexp(x, axis, keepdim=False):
        return torch.logsumexp(bp.t(x), dim=axis, keepdim=keepdim)

    @staticmethod
    def dot(a, b):
        return torch.dot(bp.t(a), bp.t(b))

    @staticmethod
    def meshgrid(*tensors, indexing="ij"):
        if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
            tensors = tensors[0]
        return tuple(torch.meshgrid(*[bp.t(v) for v in tensors], indexing=indexing))

    @staticmethod
    def clone(x):
        return bp.t(x).clone()

    @staticmethod
    def chunk(x, n, axis=0):
        x, n, axis = bp.t(x), int(bp.item(n)), int(axis)
        if x.shape[axis] == 0:
            return tuple(x.narrow(axis, 0, 0) for _ in range(n))
        return tuple(torch.chunk(x, n, dim=axis))

    @staticmethod
    def split(x, size=None, axis=0):
        if isinstance(x, str):
            # A string's split (SPEC §19): `sep` given positionally or not at all.
            return x.split(size)
        size = [int(bp.item(s)) for s in size] if isinstance(size, (tuple, list)) else int(bp.item(size))
        return tuple(torch.split(bp.t(x), size, dim=int(axis)))

    @staticmethod
    def allclose(a, b, rtol=1e-5, atol=1e-8, equal_nan=False):
        return torch.allclose(bp.t(a), bp.t(b), rtol=rtol, atol=atol, equal_nan=equal_nan)

    @staticmethod
    def binary_cross_entropy_with_logits(z, y):
        return F.binary_cross_entropy_with_logits(bp.t(z), bp.t(y))

    @staticmethod
    def env(name, default=None):
        """An environment variable as a number when it is one, else as a string."""
        import os

        text = os.environ.get(name)
        if text is None:
            return default
        try:
            return float(text.strip())
        except ValueError:
            if isinstance(default, (int, float)) and not isinstance(default, bool):
                raise ValueError(f"env(): the variable {name} is {text!r}, not a number")
            return text

    @staticmethod
    def jacobian(f, x, create_graph=False):
        return torch.autograd.functional.jacobian(lambda v: bp.t(f(v)), bp.t(x).detach(), create_graph=create_graph)

    @staticmethod
    def hessian(f, x):
        return torch.autograd.functional.hessian(lambda v: bp.t(f(v)).reshape(()), bp.t(x).detach())

    @staticmethod
    def _check_jacobian(f, inputs, eps, atol, rtol, what):
        """bp's check of a function of any output shape: its whole Jacobian against
        central differences."""
        y = bp.t(f(*inputs))
        worst = None
        for i, x in enumerate(inputs):
            if not x.requires_grad:
                continue
            rows = []
            for j in range(y.numel()):
                seed = torch.zeros(y.numel())
                seed[j] = 1.0
                g = torch.autograd.grad(y, x, seed.reshape(y.shape), retain_graph=True, allow_unused=True)[0]
                rows.append(torch.zeros(x.numel()) if g is None else g.detach().reshape(-1))
            base = x.detach()
            flat = base.reshape(-1)
            for k in range(flat.numel()):
                def at(delta):
                    moved = flat.clone()
                    moved[k] += delta
                    args = list(inputs)
                    args[i] = moved.reshape(base.shape)
                    with torch.no_grad():
                        return bp.t(f(*args)).detach().reshape(-1)
                hi, lo = at(eps), at(-eps)
                for j in range(y.numel()):
                    numeric = (hi[j].item() - lo[j].item()) / (2.0 * eps)
                    a = rows[j][k].item()
                    excess = abs(a - numeric) - (atol + rtol * abs(numeric))
                    if (excess > 0.0 or math.isnan(a) != math.isnan(numeric)) and (worst is None or excess > worst[0]):
                        worst = (excess, i, k, j, a, numeric)
        if worst is not None:
            _, i, k, j, a, numeric = worst
            raise AssertionError(
                f"{what} failed: argument {i + 1} of the function, flat element {k}, output element {j}: "
                f"analytic {bp.show(a)} but numeric {bp.show(numeric)} (difference {bp.show(abs(a - numeric))})")
        return True

    @staticmethod
    def gradgradcheck(f, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
        """bp's second-order check: the recorded first derivatives of sum(f(x) * v)
        (v = 1, 1.25, 1.5, ... repeating every 7) checked as a function."""
        inputs = [bp.t(x) for x in inputs]

        def first(*xs):
            with torch.enable_grad():
                xs2 = [x if x.requires_grad or not o.requires_grad else x.detach().requires_grad_(True)
                       for x, o in zip(xs, inputs)]
                y = bp.t(f(*xs2))
                v = torch.tensor([1.0 + 0.25 * (j % 7) for j in range(y.numel())]).reshape(y.shape)
                wanted = [x for x in xs2 if x.requires_grad]
                gs = torch.autograd.grad(y, wanted, v, create_graph=True, allow_unused=True)
                return torch.cat([(torch.zeros(x.numel()) if g is None else g.reshape(-1))
                                  for g, x in zip(gs, wanted)])
        return bp._check_jacobian(first, inputs, eps, atol, rtol, "gradgradcheck")

    # -- the pictures of training: several series, histograms, heat maps --
    _LINE_MARKS = "•×+o#%"

    @staticmethod
    def _scale(v, lo, hi, steps):
        span = hi / 2.0 - lo / 2.0
        t = (v / 2.0 - lo / 2.0) / span if span > 0 else 0.5
        t = 0.5 if math.isnan(t) else min(max(t, 0.0), 1.0)
        return min(int(math.floor(t * steps + 0.5)), steps)

    @staticmethod
    def _several(v):
        """Several series (a tuple or list of series, or each row of a 2-d tensor), or None."""
        if isinstance(v, torch.Tensor):
            return [bp._series(r) for r in v] if v.ndim == 2 else None
        if isinstance(v, (tuple, list)) and v and any(
                isinstance(x, (tuple, list)) or (isinstance(x, torch.Tensor) and x.ndim > 0) for x in v):
            return [bp._series(x) for x in v]
        return None

    @staticmethod
    def _lines_text(series, labels, logy, title, width=60, height=15):
        def ly(y):
            if logy:
                return math.log10(y) if y > 0 else float("nan")
            return y
        fin = lambda v: not (math.isnan(v) or math.isinf(v))  # noqa: E731
        drawn = [[(x, ly(y)) if fin(x) and fin(ly(y)) else None for x, y in zip(xs, ys)] for xs, ys in series]
        pts = [p for s in drawn for p in s if p is not None]
        skipped = sum(1 for s in drawn for p in s if p is None)
        lines = []
        if not pts:
            if title is not None:
                lines.append(title)
            lines.append("(nothing to plot: no finite points)")
            return "\n".join(lines)
        xr = (min(p[0] for p in pts), max(p[0] for p in pts))
        yr = (min(p[1] for p in pts), max(p[1] for p in pts))
        grid = [[" "] * width for _ in range(height)]
        for i, s in enumerate(drawn):
            mark = bp._LINE_MARKS[i % len(bp._LINE_MARKS)]
            for p in s:
                if p is not None:
                    grid[height - 1 - bp._scale(p[1], yr[0], yr[1], height - 1)][bp._scale(p[0], xr[0], xr[1], width - 1)] = mark
        label = lambda y: bp._compact(10.0 ** y if logy else y)  # noqa: E731
        top, bottom = label(yr[1]), label(yr[0])
        lw = max(len(top), len(bottom))
        if title is not None:
            lines.append(" " * (lw + 2 + max(width - len(title), 0) // 2) + title)
        for r in range(height):
            lab = top if r == 0 else bottom if r == height - 1 else ""
            tick = "│" if lab == "" else "┤"
            lines.append(f"{lab:>{lw}} {tick}{''.join(grid[r])}".rstrip())
        lines.append(" " * lw + " └" + "─" * width)
        left, right = bp._compact(xr[0]), bp._compact(xr[1])
        lines.append(" " * (lw + 2) + left + " " * max(width - len(left) - len(right), 1) + right)
        names = [labels[i] if labels is not None and i < len(labels) else f"series {i + 1}" for i in range(len(series))]
        last = " " * (lw + 2) + "   ".join(f"{bp._LINE_MARKS[i % len(bp._LINE_MARKS)]} {n}" for i, n in enumerate(names))
        if logy:
            last += "   (log scale)"
        lines.append(last)
        if skipped > 0:
            extra = ", or not positive on the log scale" if logy else ""
            lines.append(f"({skipped} point{'' if skipped == 1 else 's'} skipped: nan or inf{extra})")
        return "\n".join(lines)

    @staticmethod
    def _hist_text(values, bins, title):
        fin = [v for v in values if math.isfinite(v)]
        skipped = len(values) - len(fin)
        if not fin:
            lo, hi = 0.0, 1.0
        else:
            lo, hi = min(fin), max(fin)
            if lo == hi:
                lo, hi = lo - 0.5, hi + 0.5
        counts = [0] * bins
        w = (hi - lo) / bins
        for v in fin:
            i = math.floor((v - lo) / w)
            i = i if math.isfinite(i) and i >= 0 else 0
            counts[min(int(i), bins - 1)] += 1
        height = 10
        most = max(counts) if counts else 0
        top = str(most)
        lw = len(top)
        lines = []
        if title is not None:
            lines.append(" " * (lw + 2 + max(bins - len(title), 0) // 2) + title)
        eighths = [0 if most == 0 else -(-(c * height * 8) // most) for c in counts]
        blocks = " ▁▂▃▄▅▆▇█"
        for r in range(height):
            floor = (height - 1 - r) * 8
            cells = "".join(blocks[min(max(e - floor, 0), 8)] for e in eighths)
            lab, tick = (top, "┤") if r == 0 else ("0", "┤") if r == height - 1 else ("", "│")
            lines.append(f"{lab:>{lw}} {tick}{cells}".rstrip())
        lines.append(" " * lw + " └" + "─" * bins)
        left, right = bp._compact(lo), bp._compact(hi)
        lines.append(" " * (lw + 2) + left + " " * max(bins - len(left) - len(right), 1) + right)
        note = " " * (lw + 2) + f"{sum(counts)} values in {bins} bins"
        if skipped > 0:
            note += f" ({skipped} skipped: nan or inf)"
        lines.append(note)
        return "\n".join(lines)

    @staticmethod
    def hist(x, bins=50, title=None, file=None):
        bp._show_picture(bp._hist_text(bp._series(x), int(bins), title), file)

    @staticmethod
    def imshow(m, title=None, file=None):
        m = bp.t(m).detach()
        if m.ndim == 1:
            m = m.reshape(1, -1)
        lines = [] if title is None else [title]
        values = [float(v) for v in m.flatten().tolist()]
        if not values:
            lines.append("(nothing to show: the matrix is empty)")
            bp._show_picture("\n".join(lines), file)
            return
        fin = [v for v in values if math.isfinite(v)]
        lo, hi = (min(fin), max(fin)) if fin else (0.0, 1.0)
        shades = " ░▒▓█"
        rows, cols = m.shape
        for r in range(rows):
            line = "│"
            for c in range(cols):
                v = values[r * cols + c]
                if not math.isfinite(v):
                    ch = "?"
                else:
                    lev = min(max((v / 2.0 - lo / 2.0) / (hi / 2.0 - lo / 2.0), 0.0), 1.0) if hi > lo else 0.5
                    ch = shades[min(int(math.floor(lev * 4.0 + 0.5)), 4)]
                line += ch + ch
            lines.append(line + "│")
        lines.append(f"{rows} rows × {cols} columns; ' ' {bp._compact(lo)} … '█' {bp._compact(hi)}")
        bp._show_picture("\n".join(lines), file)

bp.seed(int(_time.time_ns()) & bp._M)
bp.assert_.__name__ = "assert"
# ---- end of the bp runtime; the program follows ----
