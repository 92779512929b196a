//! Parameters of anything (SPEC §19): `parameters` and `named_parameters` walk
//! tuples, lists and modules, each tensor once; optimizers, `zero_grad` and the
//! clipping functions take any such value, and the leaves given by hand.

mod common;

use common::{expect_stdout as expect, run_stdin as run};

#[test]
fn parameters_lists_grad_tensors_once_in_order() {
    expect(
        "w = ones(2, grad); b = zeros(1, grad); f = ones(3)\n\
         ps = parameters((w, 3, f, list((b, w)), \"text\"))\n\
         print(len(ps))\nassert_close(ps[1], b)\n\
         print(len(parameters((ones(2), 3))))\n",
        "2\n0\n",
    );
}

#[test]
fn named_parameters_gives_dotted_positions() {
    expect(
        "w = ones(2, grad); b = zeros(1, grad)\n\
         for p in named_parameters((w, list((ones(1), b)))) { print(p[0]) }\n",
        "0\n1.1\n",
    );
}

#[test]
fn a_list_that_holds_itself_is_walked_once() {
    expect(
        "l = list((ones(1, grad),))\nappend(l, l)\nprint(len(parameters(l)))\n",
        "1\n",
    );
}

/// torch.nn.utils.clip_grad_norm_ gives 3.0000000000000004 here: the norm of the
/// gradients' norms (sqrt(8) and 1), not one sum of squares.
#[test]
fn zero_grad_and_clipping_take_any_value() {
    expect(
        "w = ones(2, grad); b = zeros(1, grad)\n\
         backward(sum(w * 2) + sum(b))\n\
         print(clip_grad_norm(list((w, (b,))), 1))\n\
         clip_grad_value((w, b), 0.1)\nprint(w.grad)\n\
         zero_grad(list((w, b)))\nprint(w.grad, b.grad)\n",
        "3.0000000000000004\ntensor([0.1000, 0.1000])\nnone none\n",
    );
}

#[test]
fn an_optimizer_keeps_frozen_leaves_given_by_hand_and_refuses_results() {
    expect(
        "w = tensor([1.0, 2.0], grad); frozen = tensor([3.0])\n\
         opt = sgd(list((w, frozen)), lr=0.5)\n\
         backward(sum(w * w))\nopt.step()\nprint(w, frozen)\n",
        "tensor([0., 0.], requires_grad=True) tensor([3.])\n",
    );
    let (code, _, err) = run("w = ones(2, grad)\nsgd((w, w * 2), lr=1)\n");
    assert_eq!(code, 1);
    assert!(
        err.contains("parameter 1 is the result of an operation"),
        "{err}"
    );
    let (code, _, err) = run("sgd(3, lr=1)\n");
    assert_eq!(code, 1);
    assert!(err.contains("found number"), "{err}");
}

#[test]
fn save_names_a_models_tensors_by_path_and_load_into_copies_in_place() {
    expect(
        "a = (ones(2, 2, grad), list((zeros(3, grad), ones(1))))\n\
         b = (zeros(2, 2, grad), list((ones(3, grad), zeros(1))))\n\
         W0 = b[0]\nsave(\"m.safetensors\", a)\n\
         for p in load(\"m.safetensors\") { print(p[0]) }\n\
         load(\"m.safetensors\", into=b)\n\
         assert_close(W0, ones(2, 2), atol=0, rtol=0)\nprint(W0.requires_grad, b[1][1])\n",
        "0\n1.0\n1.1\ntrue tensor([1.])\n",
    );
}

#[test]
fn load_into_checks_names_both_ways_and_shapes() {
    let (code, _, err) =
        run("save(\"w.safetensors\", x=ones(2))\nload(\"w.safetensors\", into=(ones(3),))\n");
    assert_eq!(code, 1);
    assert!(
        err.contains("w.safetensors lacks '0'; the model has no 'x'"),
        "{err}"
    );
    let (code, _, err) =
        run("save(\"w.safetensors\", ones(2))\nload(\"w.safetensors\", into=(ones(3),))\n");
    assert_eq!(code, 1);
    assert!(
        err.contains("'0' is stored with shape [2] but the model's tensor has shape [3]"),
        "{err}"
    );
}
