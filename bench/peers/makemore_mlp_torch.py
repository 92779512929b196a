# W6 peer: makemore part 2's MLP training step as the lecture writes it, PyTorch float64, timed in-loop.
import os, sys, time, torch
torch.set_default_dtype(torch.float64 if "f32" not in sys.argv else torch.float32)
torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else torch.get_num_threads())
g = torch.Generator().manual_seed(42)
N = 1000
X = torch.randint(0, 27, (N, 3), generator=g)
Y = torch.randint(0, 27, (N,), generator=g)
C = torch.randn((27, 10), generator=g)
W1 = torch.randn((30, 200), generator=g) * 0.2
b1 = torch.randn(200, generator=g) * 0.01
W2 = torch.randn((200, 27), generator=g) * 0.01
b2 = torch.zeros(27)
params = [C, W1, b1, W2, b2]
for p in params:
    p.requires_grad = True
steps = int(os.environ.get("STEPS", 2000))
t0 = time.perf_counter()
for i in range(steps):
    ix = torch.randint(0, N, (32,), generator=g)
    emb = C[X[ix]]
    h = torch.tanh(emb.view(-1, 30) @ W1 + b1)
    logits = h @ W2 + b2
    loss = torch.nn.functional.cross_entropy(logits, Y[ix])
    for p in params:
        p.grad = None
    loss.backward()
    for p in params:
        p.data += -0.1 * p.grad
print("loss", loss.item(), "ms/step", 1000 * (time.perf_counter() - t0) / steps)
