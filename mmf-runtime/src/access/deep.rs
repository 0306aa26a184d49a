//! Recursion as deep as the data goes.
//!
//! A recursive type's values nest as deep as the data: a linked list of
//! 100,000 boxed nodes is legitimate, and writing, validating or reading it
//! recurses once per node — far more than a thread's stack holds. Every
//! recursive type's `write`, `validate` and `read` run through [`deep`],
//! which counts the levels on this thread and, past a budget, continues on a
//! new thread with a large stack of its own (the caller waits for it). So
//! the recursion keeps its shape (results and error paths come back as
//! usual) in safe code, and a thread runs out of levels long before it runs
//! out of stack.

use std::cell::Cell;

pub use crate::format::layout::MAX_NESTING;

/// Levels run on the caller's thread, whose stack size mmf does not know.
/// A level of a linked list of boxes takes about 860 bytes of stack
/// unoptimized, 160 optimized: 128 levels stay near 110 KB.
const CALLER_BUDGET: u32 = 128;
/// Levels run on each new thread, and its stack: 4 KB per level, several
/// times what a level takes.
const THREAD_BUDGET: u32 = 16_384;
const THREAD_STACK: usize = 64 << 20;

#[derive(Clone, Copy)]
struct Depth {
    /// Levels of recursive types around the current call, on all threads.
    total: u32,
    /// Levels this thread may still take.
    left: u32,
}

thread_local! {
    static DEPTH: Cell<Depth> = const { Cell::new(Depth { total: 0, left: CALLER_BUDGET }) };
}

/// Why [`deep`] could not run one level deeper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TooDeep {
    /// [`MAX_NESTING`] levels are already open.
    Nesting(u32),
    /// A thread to continue on could not be started.
    Thread,
}

/// Runs `f` one level deeper in recursive types: here, or on a new thread
/// when this one's budget is spent.
pub fn deep<R: Send>(f: impl FnOnce() -> R + Send) -> Result<R, TooDeep> {
    let depth = DEPTH.get();
    if depth.total >= MAX_NESTING {
        return Err(TooDeep::Nesting(depth.total + 1));
    }
    let inner = Depth { total: depth.total + 1, left: depth.left.saturating_sub(1) };
    if depth.left > 0 {
        /// Puts the depth back, also when `f` panics.
        struct Restore(Depth);
        impl Drop for Restore {
            fn drop(&mut self) {
                DEPTH.set(self.0);
            }
        }
        let _restore = Restore(depth);
        DEPTH.set(inner);
        return Ok(f());
    }
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .name("mmf-deep".into())
            .stack_size(THREAD_STACK)
            .spawn_scoped(scope, move || {
                DEPTH.set(Depth { total: inner.total, left: THREAD_BUDGET });
                f()
            })
            .map_err(|_| TooDeep::Thread)?;
        thread.join().map_err(|panic| std::panic::resume_unwind(panic))
    })
}

/// `deep` for `write` and `read`, whose callers cannot take an error:
/// panics past [`MAX_NESTING`] levels (validation refuses such files, so only
/// writing such a value can) or when no thread can be started.
pub fn deep_or_panic<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    match deep(f) {
        Ok(r) => r,
        Err(TooDeep::Nesting(levels)) => {
            panic!(
                "a value nests {levels} levels deep in its own type, more than mmf's limit of {MAX_NESTING}"
            )
        }
        Err(TooDeep::Thread) => {
            panic!("no thread could be started to continue a deeply nested value")
        }
    }
}
