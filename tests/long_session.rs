//! A long session stays flat: 100,000 `run_source` calls in one interpreter grow the
//! heap by less than 1 MiB (each parse used to leak its parser through an `Rc`
//! cycle, a few KB per call).
//!
//! The heap is measured exactly with a counting global allocator (live bytes), so
//! the test does not depend on how the system allocator returns pages.

use bp::eval::{Interpreter, Options, Value};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A function (its declaration is kept by the closure), a call, a tuple, a tensor.
const ENTRY: &str = "fn f(a) { return a * y + 1 }
y = 2
t = (f(y), \"s\")
z = sum([1, 2] * y)
";

#[test]
fn hundred_thousand_run_source_calls_grow_the_heap_by_less_than_one_mib() {
    // One test in this binary: no other thread allocates while it measures.
    let options = Options {
        record_grads: false,
        ..Options::default()
    };
    let mut interp = Interpreter::new(Box::new(std::io::sink()), options);
    let run = |interp: &mut Interpreter| {
        if let Err(e) = interp.run_source("cell", ENTRY) {
            panic!("{e:?}");
        }
    };
    for _ in 0..100 {
        run(&mut interp);
    }
    let before = LIVE.load(Ordering::Relaxed);
    for _ in 0..100_000 {
        run(&mut interp);
    }
    let grown = LIVE.load(Ordering::Relaxed) - before;
    assert!(matches!(interp.global("z"), Some(Value::Tensor(_))));
    assert!(
        grown < 1 << 20,
        "100,000 run_source calls grew the heap by {grown} bytes"
    );
}
