//! SPEC v3 §5, §6, §13 (issue 25): bool tensors, recorded index writes and
//! `.grad` accumulated in place, with the expected values taken from PyTorch
//! (float64), and the smaller disagreements the differential tester found.

mod common;

use common::{expect_stdout as expect, run_stdin as run};

#[test]
fn a_mask_selects_and_its_gradient_goes_to_the_selected_places() {
    // torch: tensor([20., 30.]), x.grad tensor([0., 1., 1.])
    expect(
        "x = tensor([10, 20, 30], grad)\ny = x[x > 15]\nprint(y.detach())\nbackward(sum(y))\nprint(x.grad)\n",
        "tensor([20., 30.])\ntensor([0., 1., 1.])\n",
    );
}

#[test]
fn a_write_of_a_value_that_requires_grad_is_recorded() {
    // torch: w.grad tensor([ 1., 17.,  1.])
    expect(
        "w = tensor([1.0, 2.0, 3.0], grad)\nz = zeros(3)\nz[0] = w[1] * 2\nbackward(sum(z * z) + sum(w))\nprint(w.grad)\n",
        "tensor([ 1., 17.,  1.])\n",
    );
}

#[test]
fn a_write_of_a_tensor_into_itself_reads_the_old_values() {
    // torch: a = [1, 2, 3]; y = a * 1; y[0] = y[1] * 3; a.grad = [0, 4, 1]
    expect(
        "a = tensor([1, 2, 3], grad)\ny = a * 1\ny[0] = y[1] * 3\nbackward(sum(y))\nprint(a.grad)\n",
        "tensor([0., 4., 1.])\n",
    );
}

#[test]
fn an_update_through_a_mask_reads_then_writes() {
    // torch: y = [2, -4, 6]; a.grad = [-6, 4, 6]
    expect(
        "a = tensor([1, -2, 3], grad)\ny = a * 2\ny[y < 0] *= a[0]\nprint(y.detach())\nbackward(sum(y * [1, 2, 3]))\nprint(a.grad)\n",
        "tensor([ 2., -4.,  6.])\ntensor([-6.,  4.,  6.])\n",
    );
}

#[test]
fn rows_written_through_a_tensor_index_broadcast_and_sum_the_gradient() {
    // torch: B = [[1, 4], [0, 0], [1, 4]]; w.grad = [12, 32]
    expect(
        "w = tensor([1, 2], grad)\nB = zeros(3, 2)\nB[[0, 2]] = w * w\nprint(B.detach())\nbackward(sum(B * [[1, 2], [3, 4], [5, 6]]))\nprint(w.grad)\n",
        "tensor([[1., 4.],\n        [0., 0.],\n        [1., 4.]])\ntensor([12., 32.])\n",
    );
}

#[test]
fn an_alias_sees_a_recorded_write() {
    // In PyTorch `a = z` is the same tensor: it sees the write and its graph.
    expect(
        "w = tensor([1, 2], grad)\nz = zeros(2)\na = z\nz[1] = w[0] * 3\nprint(a.detach())\nbackward(sum(a))\nprint(w.grad)\n",
        "tensor([0., 3.])\ntensor([3., 0.])\n",
    );
}

#[test]
fn a_write_inside_a_function_changes_the_callers_tensor() {
    expect(
        "w = tensor([1, 2], grad)\nfn fill(t) { t[0] = w[1] * w[1] }\nz = zeros(2)\nfill(z)\nbackward(sum(z))\nprint(w.grad)\n",
        "tensor([0., 4.])\n",
    );
}

#[test]
fn a_leaf_that_requires_grad_is_still_written_only_under_no_grad() {
    let (code, _, err) = run("x = tensor([1, 2], grad)\nx[0] = 5\n");
    assert_eq!(code, 1);
    assert!(
        err.contains("in-place update of a leaf tensor that requires grad"),
        "{err}"
    );
    expect(
        "x = tensor([1, 2], grad)\nno_grad { x[0] = 5 }\nprint(x)\n",
        "tensor([5., 2.], requires_grad=True)\n",
    );
}

#[test]
fn bool_tensors_show_as_pytorch_shows_them() {
    // torch's layout for 1-d, all-true, 2-d, 0-d and empty bool tensors
    expect(
        "x = tensor([10, 20, 30])\nprint(x > 15)\nprint(x > 0)\nprint([[1, -2], [3, 0]] > 0)\nprint(tensor(3) > 2)\nprint(x > 100)\nprint(x[x > 100] > 0)\n",
        "tensor([False,  True,  True])\ntensor([True, True, True])\ntensor([[ True, False],\n        [ True, False]])\ntensor(True)\ntensor([False, False, False])\ntensor([], dtype=torch.bool)\n",
    );
}

#[test]
fn bool_tensors_count_as_zero_and_one() {
    expect(
        "m = tensor([1, 5, 7]) > 2\nprint(sum(m), mean(m), m * 10 + 1)\nprint(logical_or(m, [1, 0, 0]), any(m), all(m))\n",
        "tensor(2.) tensor(0.6667) tensor([ 1., 11., 11.])\ntensor([True, True, True]) tensor(True) tensor(False)\n",
    );
}

#[test]
fn grad_accumulates_into_the_same_tensor() {
    expect(
        "x = tensor([1, 2], grad)\nbackward(sum(x * x))\ng = x.grad\nbackward(sum(x))\nprint(g)\nzero_grad(x)\nbackward(sum(x))\nprint(g, x.grad)\n",
        "tensor([3., 5.])\ntensor([3., 5.]) tensor([1., 1.])\n",
    );
}

#[test]
fn special_floats_format_as_python_does() {
    // Python: f"{nan:g} {nan:.4f} {inf:g} {-inf:.2f} {nan:e} {nan:%} {nan:>6.2f}|{inf:+g} {nan:+.1f}"
    expect(
        "n = 0/0\ni = 1/0\nprint(f\"{n:g} {n:.4f} {i:g} {-i:.2f} {n:e} {n:%} {n:>6.2f}|{i:+g} {n:+.1f}\")\nprint(f\"{tensor(0/0):.3f}\")\n",
        "nan nan inf -inf nan nan%    nan|+inf +nan\nnan\n",
    );
}

#[test]
fn binary_cross_entropy_at_zero_and_one_uses_pytorchs_float_epsilon() {
    // torch: [-1000000003995.8029, 1000000003995.8029, -1000000003995.7028]
    expect(
        "p = tensor([0.0, 1.0, 1e-13], grad)\nbackward(binary_cross_entropy(p, [1, 0, 1]) * 3)\nfor v in p.grad { print(item(v)) }\n",
        "-1000000003995.8029\n1000000003995.8029\n-1000000003995.7028\n",
    );
}

#[test]
fn optimizers_skip_parameters_that_do_not_require_grad() {
    expect(
        "w = tensor([1, 2], grad)\nfrozen = tensor([3, 4])\nopt = sgd((w, frozen), lr=0.5)\nbackward(sum(w * frozen))\nopt.step()\nprint(w.detach(), frozen)\n",
        "tensor([-0.5000,  0.0000]) tensor([3., 4.])\n",
    );
}

#[test]
fn a_write_through_a_mask_is_named_as_pytorch_names_it() {
    expect(
        "w = tensor([1, 2], grad)\nz = zeros(2)\nz[0] = w[0]\nprint(z)\nz[z > 0.5] = w[1] * 2\nprint(z)\n",
        "tensor([1., 0.], grad_fn=<CopySlices>)\ntensor([4., 0.], grad_fn=<IndexPutBackward>)\n",
    );
}

#[test]
fn a_0_d_bool_tensor_as_an_index_is_refused_not_read_as_a_number() {
    let (code, _, err) = run("z = tensor([1, 2])\nprint(z[tensor(3) > 2])\n");
    assert_eq!(code, 1);
    assert!(err.contains("an index expects a whole number"), "{err}");
}

#[test]
fn a_write_under_no_grad_into_a_recorded_result_keeps_its_graph_and_its_output() {
    // y = tanh(x) saves its output; the write changes y's values but not the
    // derivative tanh' = 1 - tanh(x)² at the recorded output (PyTorch raises here).
    expect(
        "x = tensor([0.5, 1.0], grad)\ny = tanh(x)\nno_grad { y[0] = 0 }\nprint(y)\nbackward(sum(y))\nassert_close(x.grad, 1 - tanh(tensor([0.5, 1.0])) ** 2)\nprint(\"ok\")\n",
        "tensor([0.0000, 0.7616], grad_fn=<TanhBackward>)\nok\n",
    );
}

#[test]
fn data_updates_in_place_give_the_bits_of_the_written_out_update() {
    // `p.data op= v` changes p where it is; its values are those of
    // `p.data = p.data op v` (the same scalar functions), for tensors of p's shape,
    // broadcast ones and numbers.
    expect(
        "seed(3)\n\
         p = tensor(randn(4, 3), grad)\n\
         q = tensor(p, grad)\n\
         g = randn(4, 3)\n\
         r = randn(3)\n\
         p.data -= 0.1 * g\n\
         q.data = q.data - 0.1 * g\n\
         p.data *= r\n\
         q.data = q.data * r\n\
         p.data /= 3\n\
         q.data = q.data / 3\n\
         p.data += tensor(0.25)\n\
         q.data = q.data + tensor(0.25)\n\
         print(all(p == q), p.requires_grad, p.is_leaf)\n",
        "tensor(True) true true\n",
    );
}

#[test]
fn a_write_into_p_data_changes_p_without_recording() {
    // torch: p.data[0] = 5; p.data[1:] += [10, 20] -> tensor([5., 12., 23.]), and
    // p.grad after backward(sum(p * p)) is 2p; q made before keeps its values.
    expect(
        "p = tensor([1., 2., 3.], grad)\n\
         q = p * 2\n\
         p.data[0] = 5\n\
         p.data[1:] += tensor([10, 20], grad)\n\
         print(p, q.detach(), p.is_leaf)\n\
         backward(sum(p * p))\n\
         print(p.grad)\n",
        "tensor([ 5., 12., 23.], requires_grad=True) tensor([2., 4., 6.]) true\ntensor([10., 24., 46.])\n",
    );
}
