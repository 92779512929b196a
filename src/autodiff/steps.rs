//! The chain rule link by link (SPEC §21, `backprop_steps`): a backward pass that
//! also says, for each operation in the order backward takes them, the gradient
//! arriving at its output and the gradient it sends to each input.

use super::backward::{backward_with, node_vjp, topological_order, BackwardOptions, Recorded};
use super::custom::UserCode;
use super::{with_grad_mode, Array, Tensor, TensorError};
use std::rc::Rc;

/// One operation of a backward pass.
pub struct Step {
    /// The operation's output (its node says what it was and where).
    pub output: Tensor,
    /// The gradient arriving at the output: d root / d output.
    pub arriving: Rc<Array>,
    /// For each input: the input, and what this operation sends it (`None` for an
    /// input that does not require grad).
    pub sent: Vec<(Tensor, Option<Rc<Array>>)>,
}

/// Runs `backward(root)` (filling `.grad` as `backward` does, and freeing the graph
/// unless `options.retain_graph`) and returns its steps, root first.
pub fn backward_steps(
    root: &Tensor,
    options: BackwardOptions,
    user: &mut dyn UserCode,
) -> Result<Vec<Step>, TensorError> {
    let (order, _) = topological_order(root)?;
    // Each operation's arriving gradient is kept on its node (`record_grads`), and
    // the saved values stay until each step's share is worked out again below.
    let keep = BackwardOptions {
        retain_graph: true,
        create_graph: false,
        record_grads: true,
        ..options
    };
    backward_with(root, None, None, keep, user)?;
    let mut steps = Vec::new();
    for t in order.iter().rev() {
        let Some(node) = t.node() else { continue };
        let Some(arriving) = node.last_grad() else {
            continue;
        };
        let g = Tensor::constant_rc(arriving.clone());
        let shares = with_grad_mode(false, || {
            node_vjp::<Recorded>(t, &node, g.clone(), false, user)
        })?;
        let sent = (&shares)
            .into_iter()
            .enumerate()
            .filter_map(|(j, share)| {
                let input = node.input(j)?;
                Some((input, share.as_ref().map(Tensor::data)))
            })
            .collect();
        steps.push(Step {
            output: t.clone(),
            arriving,
            sent,
        });
    }
    if !options.retain_graph {
        for t in &order {
            if let Some(node) = t.node() {
                node.free(options.span);
            }
        }
    }
    Ok(steps)
}
