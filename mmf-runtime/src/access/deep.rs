//! Recursion as deep as the data goes.
//!
//! A recursive type's values nest as deep as the data: a linked list of
//! 100,000 boxed nodes is legitimate, and writing, validating or reading it
//! recurses once per node — far more than a thread's stack holds. Every
//! recursive type's `write`, `validate` and `read` run through [`deep`],
//! which measures how much stack the levels on this thread have taken and,
//! past a budget, continues on a new thread with a large stack of its own
//! (the caller waits for it). So the recursion keeps its shape (results and
//! error paths come back as usual) in safe code, and a thread moves on long
//! before it runs out of stack, whatever a level takes on this platform and
//! build (about 160 bytes optimized on Linux, several KB unoptimized on
//! Windows).

use std::cell::Cell;

pub use crate::format::layout::MAX_NESTING;

/// Stack the levels may take on the caller's thread, whose stack size mmf
/// does not know (Rust's threads get 2 MB, a Windows main thread 1 MB).
const CALLER_BYTES: usize = 128 << 10;
/// Levels run on the caller's thread at most, also where the stack cannot
/// be measured.
const CALLER_LEVELS: u32 = 128;
/// The stack of each new thread, and what the levels may take of it: the
/// other half is room for the deepest level's own calls.
const THREAD_STACK: usize = 64 << 20;
const THREAD_BYTES: usize = THREAD_STACK / 2;
/// Levels run on each new thread at most, also where the stack cannot be
/// measured: 1 KB per level of the thread's budget.
const THREAD_LEVELS: u32 = (THREAD_BYTES >> 10) as u32;

#[derive(Clone, Copy)]
struct Depth {
    /// Levels of recursive types around the current call, on all threads.
    total: u32,
    /// Levels this thread may still take.
    left: u32,
    /// Where this thread's first level started (a stack address; 0 before
    /// the first level on the caller's thread).
    base: usize,
    /// How much stack below `base` this thread's levels may take.
    bytes: usize,
}

thread_local! {
    static DEPTH: Cell<Depth> = const {
        Cell::new(Depth { total: 0, left: CALLER_LEVELS, base: 0, bytes: CALLER_BYTES })
    };
}

/// Roughly where the stack is now: the address of a local. Stacks grow
/// down on every platform mmf runs on; the distance is taken either way.
/// Miri's addresses say nothing about stack use, so there it is 0 and only
/// levels count.
#[inline(always)]
fn stack_here() -> usize {
    if cfg!(miri) {
        return 0;
    }
    let marker = 0u8;
    core::hint::black_box(&marker) as *const u8 as usize
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
    let here = stack_here();
    let base = if depth.base == 0 { here } else { depth.base };
    if depth.left > 0 && base.abs_diff(here) < depth.bytes {
        /// Puts the depth back, also when `f` panics.
        struct Restore(Depth);
        impl Drop for Restore {
            fn drop(&mut self) {
                DEPTH.set(self.0);
            }
        }
        let _restore = Restore(depth);
        DEPTH.set(Depth { total: depth.total + 1, left: depth.left - 1, base, ..depth });
        return Ok(f());
    }
    let total = depth.total + 1;
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .name("mmf-deep".into())
            .stack_size(THREAD_STACK)
            .spawn_scoped(scope, move || {
                let base = stack_here();
                DEPTH.set(Depth { total, left: THREAD_LEVELS, base, bytes: THREAD_BYTES });
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
